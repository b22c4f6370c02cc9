// Which browser permissions the app's own page may have: only writing plain text to the clipboard (to copy
// backup codes). Everything else (camera, notifications, USB, reading the clipboard...) is denied.
import { type AppLocation, isAppUrl } from './sender-check';

const ALLOWED = new Set(['clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string, requestingUrl: string, location: AppLocation): boolean {
  if (!ALLOWED.has(permission)) return false;
  if (location.kind === 'dev-server') return requestingUrl.startsWith(location.origin);
  return isAppUrl(requestingUrl, location);
}

// The renderer's Content-Security-Policy, as a pure function so a test can read it without Electron.

export interface CspOptions {
  /**
   * The Vite dev server's URL in development. Its React refresh preamble is an inline module script and
   * its hot reload talks over a WebSocket, so development allows both; a packaged app never passes this.
   */
  devServerUrl?: string;
  /**
   * 'header' (default) for the response header set by the main process; 'meta' for the <meta> tag written
   * into the built index.html, where frame-ancestors is not allowed (browsers ignore it with a warning).
   */
  delivery?: 'header' | 'meta';
  /** The browser preview's WebSocket origin (development and tests only). */
  previewSocket?: string;
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const dev = options.devServerUrl ? new URL(options.devServerUrl) : undefined;
  const devSocket = dev ? `${dev.protocol === 'https:' ? 'wss:' : 'ws:'}//${dev.host}` : undefined;
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    dev ? ['script-src', "'self'", "'unsafe-inline'"] : ['script-src', "'self'"],
    // Mantine writes style attributes and <style> elements at run time.
    ['style-src', "'self'", "'unsafe-inline'"],
    ['img-src', "'self'", 'data:'],
    ['connect-src', "'self'", ...[devSocket, options.previewSocket].filter((s): s is string => Boolean(s))],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
  ];
  if (options.delivery !== 'meta') directives.push(['frame-ancestors', "'none'"]);
  return directives.map((d) => d.join(' ')).join('; ');
}

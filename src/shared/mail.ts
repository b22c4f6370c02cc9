// Mail as an administrator sets it up: the server, how the connection is protected, the sender, and the clinic's
// name, logo and portal link that every template carries. The core validates every change against these schemas;
// the machine policy may fix any of the server keys (never the password: a policy file is readable by every user
// of the computer). The password is write-only: no channel ever returns it.
import { z } from 'zod';
import { emailSchema } from './schemas';

/** Implicit TLS (usually port 465), STARTTLS required (usually 587), or plain text — only to this computer. */
export const MAIL_SECURITY = ['tls', 'starttls', 'none'] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];

export const MAIL_SECURITY_LABELS: Record<MailSecurity, string> = {
  tls: 'TLS from the start (implicit TLS, usually port 465)',
  starttls: 'STARTTLS required (usually port 587)',
  none: 'None — only for a relay on this computer',
};

/** A host name or IP address; brackets are not part of an IPv6 host here. */
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^[0-9A-Fa-f:.]+$/;

/** A host as HealthSphere keeps and compares it: lower case, without the trailing dot of a fully qualified name. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LOOPBACK_V4 = new RegExp(`^127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/**
 * Whether a host is this computer: `localhost`, `::1`, or an address in 127.0.0.0/8. Only these exact forms count
 * (not `localhost.` or `127.0.0.1.`, which a DNS server answers): plain text may go to them, and mail to them needs
 * no BAA. The sender connects to `localhost` as 127.0.0.1, never through DNS.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || LOOPBACK_V4.test(h);
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;

export const mailServerFields = {
  /** Empty: no server yet, mail waits in the outbox. */
  host: z
    .string()
    .trim()
    .max(253)
    .regex(HOST_PATTERN, 'Enter a host name such as smtp.example.com, or an IP address.')
    .or(z.literal(''))
    .transform(normalizeHost),
  port: z.number().int().min(1, 'A port is between 1 and 65535.').max(65535, 'A port is between 1 and 65535.'),
  security: z.enum(MAIL_SECURITY),
  username: z.string().trim().max(254),
  fromName: z.string().trim().max(100),
  fromAddress: emailSchema.or(z.literal('')),
  clinicName: z.string().trim().max(100),
  /** The page people are told to open instead of reading anything in mail: https only. */
  portalLink: z
    .string()
    .trim()
    .max(500)
    .refine((value) => {
      if (value === '') return true;
      try {
        const url = new URL(value);
        return url.protocol === 'https:' && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    }, 'Enter a link that starts with https://, such as https://portal.clinic.example.')
    .or(z.literal('')),
  /** A PEM certificate (your organisation's CA) trusted for this server besides the usual public ones. */
  trustedCertificate: z
    .string()
    .trim()
    .max(20_000)
    .regex(PEM_CERTIFICATE, 'Paste a certificate in PEM form (-----BEGIN CERTIFICATE----- …).')
    .or(z.literal('')),
};

export const mailSettingsSchema = z.strictObject(mailServerFields);
export type MailSettings = z.output<typeof mailSettingsSchema>;

export const DEFAULT_MAIL_SETTINGS: MailSettings = {
  host: '',
  port: 587,
  security: 'starttls',
  username: '',
  fromName: '',
  fromAddress: '',
  clinicName: '',
  portalLink: '',
  trustedCertificate: '',
};

/** Any subset of the settings (the machine policy's `mail`, or the keys an admin sent). */
export const mailSettingsPatchSchema = mailSettingsSchema.partial();
export type MailSettingsPatch = z.output<typeof mailSettingsPatchSchema>;

export const MAIL_SETTING_LABELS: Record<keyof MailSettings, string> = {
  host: 'Mail server',
  port: 'Port',
  security: 'Connection security',
  username: 'User name',
  fromName: 'Sender name',
  fromAddress: 'Sender address',
  clinicName: 'Clinic name',
  portalLink: 'Portal link',
  trustedCertificate: 'Trusted certificate (PEM)',
};

/** Plain text only to this computer: a relay on loopback. Every other server must be reached over TLS. */
export function plainTextProblem(settings: Pick<MailSettings, 'host' | 'security'>): string | null {
  if (settings.security === 'none' && settings.host !== '' && !isLoopbackHost(settings.host))
    return 'Plain text is allowed only for a mail relay on this computer (localhost). Choose TLS or STARTTLS.';
  return null;
}

/** The clinic's logo for the templates: PNG or JPEG, small enough to travel in every mail. */
export const MAX_LOGO_BYTES = 100 * 1024;
export const mailLogoSchema = z.strictObject({
  type: z.enum(['image/png', 'image/jpeg']),
  /** Base64 of the file; the core checks the bytes really are that kind of image. */
  dataBase64: z
    .string()
    .max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 4, 'The logo must be 100 KB or smaller.')
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'The logo could not be read.'),
});
export type MailLogo = z.output<typeof mailLogoSchema>;

/** Who confirmed that a Business Associate Agreement with the mail provider is on file, for which server. */
export const baaRecordSchema = z.object({
  provider: z.string(),
  host: z.string(),
  confirmedBy: z.string(),
  confirmedAt: z.number().int(),
});
export type BaaRecord = z.output<typeof baaRecordSchema>;

/** Whether mail leaves this computer now, and if not, why — said on the admin's screens. */
export const mailDeliveryStatusSchema = z.object({
  /** ready: mail leaves; failing: it should, but the last attempt to reach the server failed (the message says
   *  why); not-configured: no server; needs-baa: held until a BAA for this server is confirmed. */
  state: z.enum(['ready', 'failing', 'not-configured', 'needs-baa']),
  message: z.string(),
});
export type MailDeliveryStatus = z.output<typeof mailDeliveryStatusSchema>;

/** What the delivery log groups messages by. */
export const MAIL_CATEGORIES = ['verification', 'reset', 'welcome', 'notice', 'test'] as const;
export type MailCategory = (typeof MAIL_CATEGORIES)[number];

export const MAIL_CATEGORY_LABELS: Record<MailCategory, string> = {
  verification: 'Verification',
  reset: 'Password reset',
  welcome: 'Welcome',
  notice: 'Notice',
  test: 'Test',
};

/** The template kinds of each category (the outbox stores the kind). */
export const MAIL_KINDS_BY_CATEGORY: Record<MailCategory, readonly string[]> = {
  verification: ['verification', 'invitation'],
  reset: ['password_reset'],
  welcome: ['welcome'],
  notice: ['registration_attempt', 'password_changed', 'account_locked', 'two_factor'],
  test: ['test'],
};

export function mailCategoryOf(kind: string): MailCategory {
  for (const category of MAIL_CATEGORIES) if (MAIL_KINDS_BY_CATEGORY[category].includes(kind)) return category;
  return 'notice';
}

export const MAIL_STATES = ['queued', 'sent', 'failed'] as const;
export type MailState = (typeof MAIL_STATES)[number];

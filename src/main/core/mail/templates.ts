// The text of every mail, as plain text and HTML in one layout that carries the clinic's brand. Mail carries no
// PHI and no names: only what the recipient needs to act. A mail that asks its reader to act points them to the
// app, or to the clinic's portal link when one is set — a bare link to the portal, never one that carries a token
// or signs anyone in. Template functions take only the address, codes and numbers, and return a draft; the
// dispatch renders the draft with the brand in force when it queues the mail.

export type MailKind =
  | 'verification'
  | 'registration_attempt'
  | 'password_reset'
  | 'password_changed'
  | 'account_locked'
  | 'two_factor'
  | 'invitation'
  | 'welcome'
  | 'test';

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The clinic's brand as an administrator set it up. */
export interface MailBrand {
  /** '' when none is set: mail then says "HealthSphere". */
  clinicName: string;
  /** '' or an https URL of the clinic's portal. */
  portalLink: string;
  /** Whether a logo will be attached to the mail as an inline image with the content id LOGO_CID. */
  logo: boolean;
}

/** The content id of the logo attachment; the HTML shows it as <img src="cid:clinic-logo"> when the brand has one. */
export const LOGO_CID = 'clinic-logo';

/** The name mail uses when the clinic has not set its own. */
export const DEFAULT_CLINIC_NAME = 'HealthSphere';

/** A paragraph of a mail's body; a { code } paragraph is shown large in the HTML part. */
export type MailParagraph = string | { code: string };

/** A mail before the brand is known: what it says, given the clinic's name as mail shows it. */
export interface MailDraft {
  kind: MailKind;
  to: string;
  subject: (clinic: string) => string;
  paragraphs: (clinic: string) => MailParagraph[];
  /** The mail asks its reader to do something: it then points them to the app, or the portal link when set. */
  action: boolean;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The clinic's name on one line (it goes into a subject header too), or the default. */
function clinicNameOf(brand: MailBrand): string {
  // eslint-disable-next-line no-control-regex
  const name = brand.clinicName.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return name === '' ? DEFAULT_CLINIC_NAME : name;
}

/** The portal link when it is a plain https URL, else none: mail never carries anything else as a link. */
function portalLinkOf(brand: MailBrand): string {
  const value = brand.portalLink.trim();
  if (value === '') return '';
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return '';
  } catch {
    return '';
  }
  return value;
}

function footerOf(clinic: string): string {
  return `This message was sent automatically by ${clinic}. Do not reply to it.`;
}

/** The one layout of every mail: the brand's header, the paragraphs, the app or portal to act in, the footer. */
export function renderMail(draft: MailDraft, brand: MailBrand): MailMessage {
  const clinic = clinicNameOf(brand);
  const portal = draft.action ? portalLinkOf(brand) : '';
  const subject = draft.subject(clinic);
  const paragraphs = draft.paragraphs(clinic);
  const actionLead = `Open HealthSphere or the ${clinic} portal:`;
  const footer = footerOf(clinic);

  const text = [
    ...paragraphs.map((p) => (typeof p === 'string' ? p : p.code)),
    ...(portal ? [`${actionLead}\n${portal}`] : []),
    `— ${clinic}\n${footer}`,
  ].join('\n\n');

  const body = paragraphs
    .map((p) =>
      typeof p === 'string'
        ? `<p style="margin:0 0 16px">${escapeHtml(p)}</p>`
        : `<p style="margin:0 0 16px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:monospace">${escapeHtml(p.code)}</p>`,
    )
    .join('\n');
  const action = portal
    ? `\n<p style="margin:0 0 16px">${escapeHtml(actionLead)} <a href="${escapeHtml(portal)}" style="color:#0b5c63">${escapeHtml(portal)}</a></p>`
    : '';
  const logo = brand.logo
    ? `<img src="cid:${LOGO_CID}" alt="${escapeHtml(`${clinic} logo`)}" style="display:block;max-width:200px;max-height:80px;margin:0 0 12px">\n`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f7f7;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a">
<div style="max-width:520px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<div class="hs-header" style="margin:0 0 20px">
${logo}<p style="margin:0;font-weight:700;color:#0b5c63">${escapeHtml(clinic)}</p>
</div>
${body}${action}
<p class="hs-footer" style="margin:24px 0 0;font-size:12px;color:#4a4a4a">${escapeHtml(footer)}</p>
</div></body></html>`;
  return { kind: draft.kind, to: draft.to, subject, text, html };
}

function draft(
  kind: MailKind,
  to: string,
  action: boolean,
  subject: (clinic: string) => string,
  paragraphs: (clinic: string) => MailParagraph[],
): MailDraft {
  return { kind, to, subject, paragraphs, action };
}

export function verificationCodeMail(to: string, code: string, validMinutes: number): MailDraft {
  return draft(
    'verification',
    to,
    true,
    (clinic) => `Your ${clinic} verification code`,
    () => [
      'Your verification code is:',
      { code },
      `Enter it in HealthSphere to confirm your email address. It is valid for ${validMinutes} minutes and can be used once.`,
      'If you did not create an account with this email address, you can ignore this message.',
    ],
  );
}

export function registrationAttemptMail(to: string): MailDraft {
  return draft(
    'registration_attempt',
    to,
    true,
    () => 'Someone tried to register with your email address',
    (clinic) => [
      `Someone tried to create an account at ${clinic} with this email address, which already has an account.`,
      'If it was you, sign in instead, or use "Forgot password?" if you no longer know your password.',
      'If it was not you, no action is needed: your account has not been changed.',
    ],
  );
}

export function passwordResetCodeMail(to: string, code: string, validMinutes: number): MailDraft {
  return draft(
    'password_reset',
    to,
    true,
    (clinic) => `Your ${clinic} password reset code`,
    () => [
      'Your password reset code is:',
      { code },
      `Enter it in HealthSphere to choose a new password. It is valid for ${validMinutes} minutes and can be used once.`,
      'If you did not ask to reset your password, ignore this message: your password stays as it is.',
    ],
  );
}

export function passwordChangedMail(to: string, how: 'reset' | 'changed'): MailDraft {
  return draft(
    'password_changed',
    to,
    true,
    (clinic) => `Your ${clinic} password was changed`,
    (clinic) => [
      how === 'reset'
        ? `The password of your ${clinic} account was reset with a code sent to this address. Every session was signed out.`
        : `The password of your ${clinic} account was changed. Your other sessions were signed out.`,
      'If this was not you, reset your password now with "Forgot password?" and tell your clinic.',
    ],
  );
}

export function accountLockedMail(to: string, lockoutMinutes: number): MailDraft {
  return draft(
    'account_locked',
    to,
    true,
    (clinic) => `Your ${clinic} account was locked`,
    (clinic) => [
      `Your ${clinic} account was locked after too many failed sign-in attempts.`,
      `It unlocks by itself after ${lockoutMinutes} minutes. You can also reset your password with "Forgot password?", which unlocks it at once, or ask your clinic's administrator.`,
      'If these attempts were not yours, reset your password and tell your clinic.',
    ],
  );
}

export function testMail(to: string): MailDraft {
  return draft(
    'test',
    to,
    false,
    (clinic) => `${clinic} test message`,
    (clinic) => [`This is a test message from ${clinic}. Mail delivery works.`],
  );
}

export type TwoFactorNoticeEvent = 'enabled' | 'disabled' | 'reset' | 'backup_code_used' | 'backup_codes_regenerated';

export function twoFactorNoticeMail(to: string, event: TwoFactorNoticeEvent, remaining?: number): MailDraft {
  const lines = (clinic: string): Record<TwoFactorNoticeEvent, [string, string]> => ({
    enabled: [
      'Two-step verification is on',
      `Two-step verification was turned on for your ${clinic} account. Keep your backup codes somewhere safe.`,
    ],
    disabled: ['Two-step verification is off', `Two-step verification was turned off for your ${clinic} account.`],
    reset: [
      'Your two-step verification was reset',
      `An administrator reset two-step verification for your ${clinic} account. You will set it up again at your next sign-in.`,
    ],
    backup_code_used: [
      'A backup code was used to sign in',
      `A backup code was used to sign in to your ${clinic} account. You have ${remaining ?? 0} backup codes left.`,
    ],
    backup_codes_regenerated: [
      'New backup codes were made',
      `New backup codes were made for your ${clinic} account. The old ones no longer work.`,
    ],
  });
  return draft(
    'two_factor',
    to,
    true,
    (clinic) => lines(clinic)[event][0],
    (clinic) => [lines(clinic)[event][1], 'If this was not you, reset your password now and tell your clinic.'],
  );
}

export function invitationMail(to: string, code: string, validHours: number): MailDraft {
  return draft(
    'invitation',
    to,
    true,
    (clinic) => `Your invitation to ${clinic}`,
    (clinic) => [
      `A staff account at ${clinic} was created for you. Choose your own password with this code:`,
      { code },
      `Open HealthSphere, choose "I have an invitation code", and enter this address and the code. It is valid for ${validHours} hours and can be used once.`,
      'If you did not expect this, ignore this message.',
    ],
  );
}

export function welcomeMail(to: string, audience: 'patient' | 'staff'): MailDraft {
  return draft(
    'welcome',
    to,
    true,
    (clinic) => `Welcome to ${clinic}`,
    (clinic) =>
      audience === 'patient'
        ? [
            `Your email address is confirmed and your account at ${clinic} is ready.`,
            'Sign in to HealthSphere with this email address and the password you chose.',
            'If you did not create this account, tell your clinic.',
          ]
        : [
            `Your password is set and your ${clinic} staff account is ready.`,
            'Sign in to HealthSphere with this email address and your new password.',
            'If this was not you, reset your password now with "Forgot password?" and tell your clinic\'s administrator.',
          ],
  );
}

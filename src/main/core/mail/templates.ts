// The text of every mail, as plain text and HTML in one layout. Mail carries no PHI and no names: only what
// the recipient needs to act, and never a link that signs anyone in.

export type MailKind =
  | 'verification'
  | 'registration_attempt'
  | 'password_reset'
  | 'password_changed'
  | 'account_locked'
  | 'two_factor'
  | 'invitation'
  | 'test';

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
}

const FOOTER = 'This message was sent automatically by HealthSphere. Do not reply to it.';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Builds both parts from paragraphs; a paragraph given as { code } is shown large in the HTML part. */
function compose(
  kind: MailKind,
  to: string,
  subject: string,
  paragraphs: Array<string | { code: string }>,
): MailMessage {
  const text = [...paragraphs.map((p) => (typeof p === 'string' ? p : p.code)), `— HealthSphere\n${FOOTER}`].join(
    '\n\n',
  );
  const body = paragraphs
    .map((p) =>
      typeof p === 'string'
        ? `<p style="margin:0 0 16px">${escapeHtml(p)}</p>`
        : `<p style="margin:0 0 16px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:monospace">${escapeHtml(p.code)}</p>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f7f7;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a">
<div style="max-width:520px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<p style="margin:0 0 20px;font-weight:700;color:#0b5c63">HealthSphere</p>
${body}
<p style="margin:24px 0 0;font-size:12px;color:#4a4a4a">${escapeHtml(FOOTER)}</p>
</div></body></html>`;
  return { kind, to, subject, text, html };
}

export function verificationCodeMail(to: string, code: string, validMinutes: number): MailMessage {
  return compose('verification', to, 'Your HealthSphere verification code', [
    'Your verification code is:',
    { code },
    `Enter it in HealthSphere to confirm your email address. It is valid for ${validMinutes} minutes and can be used once.`,
    'If you did not create a HealthSphere account, you can ignore this message.',
  ]);
}

export function registrationAttemptMail(to: string): MailMessage {
  return compose('registration_attempt', to, 'Someone tried to register with your email address', [
    'Someone tried to create a HealthSphere account with this email address, which already has an account.',
    'If it was you, sign in instead, or use "Forgot password?" if you no longer know your password.',
    'If it was not you, no action is needed: your account has not been changed.',
  ]);
}

export function passwordResetCodeMail(to: string, code: string, validMinutes: number): MailMessage {
  return compose('password_reset', to, 'Your HealthSphere password reset code', [
    'Your password reset code is:',
    { code },
    `Enter it in HealthSphere to choose a new password. It is valid for ${validMinutes} minutes and can be used once.`,
    'If you did not ask to reset your password, ignore this message: your password stays as it is.',
  ]);
}

export function passwordChangedMail(to: string, how: 'reset' | 'changed'): MailMessage {
  return compose('password_changed', to, 'Your HealthSphere password was changed', [
    how === 'reset'
      ? 'The password of your HealthSphere account was reset with a code sent to this address. Every session was signed out.'
      : 'The password of your HealthSphere account was changed. Your other sessions were signed out.',
    'If this was not you, reset your password now with "Forgot password?" and tell your clinic.',
  ]);
}

export function accountLockedMail(to: string, lockoutMinutes: number): MailMessage {
  return compose('account_locked', to, 'Your HealthSphere account was locked', [
    'Your HealthSphere account was locked after too many failed sign-in attempts.',
    `It unlocks by itself after ${lockoutMinutes} minutes. You can also reset your password with "Forgot password?", which unlocks it at once, or ask your clinic's administrator.`,
    'If these attempts were not yours, reset your password and tell your clinic.',
  ]);
}

export function testMail(to: string): MailMessage {
  return compose('test', to, 'HealthSphere test message', [
    'This is a test message from HealthSphere. Mail delivery works.',
  ]);
}

export function twoFactorNoticeMail(
  to: string,
  event: 'enabled' | 'disabled' | 'reset' | 'backup_code_used' | 'backup_codes_regenerated',
  remaining?: number,
): MailMessage {
  const lines: Record<typeof event, [string, string]> = {
    enabled: [
      'Two-step verification is on',
      'Two-step verification was turned on for your HealthSphere account. Keep your backup codes somewhere safe.',
    ],
    disabled: ['Two-step verification is off', 'Two-step verification was turned off for your HealthSphere account.'],
    reset: [
      'Your two-step verification was reset',
      'An administrator reset two-step verification for your HealthSphere account. You will set it up again at your next sign-in.',
    ],
    backup_code_used: [
      'A backup code was used to sign in',
      `A backup code was used to sign in to your HealthSphere account. You have ${remaining ?? 0} backup codes left.`,
    ],
    backup_codes_regenerated: [
      'New backup codes were made',
      'New backup codes were made for your HealthSphere account. The old ones no longer work.',
    ],
  };
  const [subject, first] = lines[event];
  return compose('two_factor', to, subject, [
    first,
    'If this was not you, reset your password now and tell your clinic.',
  ]);
}

export function invitationMail(to: string, code: string, validHours: number): MailMessage {
  return compose('invitation', to, 'You are invited to HealthSphere', [
    'Your clinic has created a HealthSphere account for you. Choose your own password with this code:',
    { code },
    `Open HealthSphere, choose "I have an invitation code", and enter this address and the code. It is valid for ${validHours} hours and can be used once.`,
    'If you did not expect this, ignore this message.',
  ]);
}

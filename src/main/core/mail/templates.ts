// The text of every mail. Mail carries no PHI and no names: only what the recipient needs to act.

export type MailKind = 'verification' | 'registration_attempt' | 'notice';

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
}

const SIGNATURE = '\n\n— HealthSphere\nThis message was sent automatically. Do not reply to it.';

export function verificationCodeMail(to: string, code: string, validMinutes: number): MailMessage {
  return {
    kind: 'verification',
    to,
    subject: 'Your HealthSphere verification code',
    text:
      `Your verification code is ${code}\n\n` +
      `Enter it in HealthSphere to confirm your email address. It is valid for ${validMinutes} minutes and can be used once.\n` +
      `If you did not create a HealthSphere account, you can ignore this message.` +
      SIGNATURE,
  };
}

export function registrationAttemptMail(to: string): MailMessage {
  return {
    kind: 'registration_attempt',
    to,
    subject: 'Someone tried to register with your email address',
    text:
      `Someone tried to create a HealthSphere account with this email address, which already has an account.\n\n` +
      `If it was you, sign in instead, or use "Forgot password" if you no longer know your password.\n` +
      `If it was not you, no action is needed: your account has not been changed.` +
      SIGNATURE,
  };
}

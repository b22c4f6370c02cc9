// The mail outbox: a mail is queued in the same transaction as the change that asks for it,
// so a mail server that is down delays a mail but never loses it.
import type { Knex } from 'knex';
import { encrypt } from '../crypto/encryption';
import type { MailMessage } from './templates';

export const OUTBOX_CONTEXT = 'mail_outbox.body';

export async function enqueueMail(
  trx: Knex.Transaction,
  outboxKey: Buffer,
  nowMs: number,
  mail: MailMessage,
): Promise<void> {
  await trx('mail_outbox').insert({
    kind: mail.kind,
    recipient: mail.to,
    subject: mail.subject,
    body_encrypted: encrypt(outboxKey, mail.text, OUTBOX_CONTEXT),
    created_at: nowMs,
    attempts: 0,
    next_attempt_at: nowMs,
  });
}

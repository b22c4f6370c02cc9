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
    body_encrypted: encrypt(outboxKey, JSON.stringify({ text: mail.text, html: mail.html }), OUTBOX_CONTEXT),
    created_at: nowMs,
    attempts: 0,
    next_attempt_at: nowMs,
  });
}

export type OutboxState = 'queued' | 'sent' | 'failed';

export interface OutboxListing {
  id: number;
  kind: string;
  recipient: string;
  subject: string;
  state: OutboxState;
  attempts: number;
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
}

/** The most recent messages for the admin's view: never a body. "Failed" is a message that has failed and waits to retry. */
export async function listOutbox(
  db: Knex | Knex.Transaction,
  state: 'all' | OutboxState,
  limit = 200,
): Promise<OutboxListing[]> {
  const query = db('mail_outbox')
    .select('id', 'kind', 'recipient', 'subject', 'attempts', 'created_at', 'sent_at', 'last_error')
    .orderBy('id', 'desc')
    .limit(limit);
  if (state === 'sent') query.whereNotNull('sent_at');
  if (state === 'queued') query.whereNull('sent_at').whereNull('last_error');
  if (state === 'failed') query.whereNull('sent_at').whereNotNull('last_error');
  const rows = (await query) as Array<{
    id: number;
    kind: string;
    recipient: string;
    subject: string;
    attempts: number;
    created_at: number;
    sent_at: number | null;
    last_error: string | null;
  }>;
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    recipient: r.recipient,
    subject: r.subject,
    state: r.sent_at != null ? 'sent' : r.last_error != null ? 'failed' : 'queued',
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    lastError: r.last_error,
  }));
}

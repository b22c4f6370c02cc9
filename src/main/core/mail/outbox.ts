// The mail outbox: a mail is queued in the same transaction as the change that asks for it,
// so a mail server that is down delays a mail but never loses it.
import type { Knex } from 'knex';
import { encrypt } from '../crypto/encryption';
import { MAIL_KINDS_BY_CATEGORY, type MailCategory, mailCategoryOf, type MailState } from '../../../shared/mail';
import { likePrefix } from '../repositories/users';
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

export const DELIVERY_LOG_PAGE = 50;

export interface OutboxListing {
  id: number;
  kind: string;
  category: MailCategory;
  recipient: string;
  subject: string;
  state: MailState;
  attempts: number;
  createdAt: number;
  sentAt: number | null;
  nextAttemptAt: number | null;
  serverResponse: string | null;
  lastError: string | null;
}

export interface DeliveryLogQuery {
  state: 'all' | MailState;
  category: 'all' | MailCategory;
  /** Part of a recipient's address or of a subject, matched case-insensitively. */
  query: string;
  /** Only messages with a smaller id (the next, older page). */
  before: number | null;
}

/**
 * The delivery log, newest first, a page at a time: never a body (which is all a code or notice is in). "failed"
 * is a message whose last attempt failed: it waits to be tried again, or was refused for good (given up).
 */
export async function listOutbox(
  db: Knex | Knex.Transaction,
  filter: DeliveryLogQuery,
  limit = DELIVERY_LOG_PAGE,
): Promise<{ messages: OutboxListing[]; nextBefore: number | null }> {
  const query = db('mail_outbox')
    .select(
      'id',
      'kind',
      'recipient',
      'subject',
      'attempts',
      'created_at',
      'sent_at',
      'next_attempt_at',
      'given_up_at',
      'server_response',
      'last_error',
    )
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (filter.before !== null) query.where('id', '<', filter.before);
  if (filter.state === 'sent') query.whereNotNull('sent_at');
  if (filter.state === 'queued') query.whereNull('sent_at').whereNull('last_error');
  if (filter.state === 'failed') query.whereNull('sent_at').whereNotNull('last_error');
  if (filter.category !== 'all') query.whereIn('kind', [...MAIL_KINDS_BY_CATEGORY[filter.category]]);
  if (filter.query !== '') {
    // Anywhere in the address or subject; LIKE's own wildcards in what the admin typed are matched literally.
    const pattern = `%${likePrefix(filter.query)}`;
    query.where((q) =>
      q
        .whereRaw("lower(recipient) LIKE ? ESCAPE '\\'", [pattern])
        .orWhereRaw("lower(subject) LIKE ? ESCAPE '\\'", [pattern]),
    );
  }
  const rows = (await query) as Array<{
    id: number;
    kind: string;
    recipient: string;
    subject: string;
    attempts: number;
    created_at: number | string;
    sent_at: number | string | null;
    next_attempt_at: number | string;
    given_up_at: number | string | null;
    server_response: string | null;
    last_error: string | null;
  }>;
  const page = rows.slice(0, limit);
  const num = (value: number | string | null) => (value == null ? null : Number(value));
  return {
    messages: page.map((r) => {
      const state: MailState = r.sent_at != null ? 'sent' : r.last_error != null ? 'failed' : 'queued';
      return {
        id: r.id,
        kind: r.kind,
        category: mailCategoryOf(r.kind),
        recipient: r.recipient,
        subject: r.subject,
        state,
        attempts: r.attempts,
        createdAt: Number(r.created_at),
        sentAt: num(r.sent_at),
        nextAttemptAt: state === 'failed' && r.given_up_at == null ? Number(r.next_attempt_at) : null,
        serverResponse: r.server_response,
        lastError: r.last_error,
      };
    }),
    nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

/** Records a message that did not go through the outbox (an admin's test mail): its outcome, never its body. */
export async function recordDirectMail(
  trx: Knex.Transaction,
  nowMs: number,
  mail: { kind: string; to: string; subject: string },
  outcome: { delivered: boolean; serverResponse: string | null; problem: string | null },
): Promise<void> {
  await trx('mail_outbox').insert({
    kind: mail.kind,
    recipient: mail.to,
    subject: mail.subject,
    body_encrypted: null,
    created_at: nowMs,
    attempts: 1,
    next_attempt_at: nowMs,
    sent_at: outcome.delivered ? nowMs : null,
    given_up_at: outcome.delivered ? null : nowMs,
    server_response: outcome.serverResponse,
    last_error: outcome.delivered ? null : (outcome.problem ?? 'not delivered'),
  });
}

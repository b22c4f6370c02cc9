// Delivers queued mail through SMTP, retrying with back-off. A sent mail's body is erased from the outbox.
import type { Knex } from 'knex';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock } from '../clock';
import { decrypt } from '../crypto/encryption';
import type { Logger } from '../log';
import { OUTBOX_CONTEXT } from './outbox';
import type { MailMessage } from './templates';

const FROM = 'HealthSphere <no-reply@healthsphere.invalid>';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * TLS is required for any mail server not on this machine: smtps:// is TLS from the start, and smtp:// must
 * upgrade with STARTTLS or the message is not sent. Only a loopback relay may take plain text.
 */
export function transportOptions(smtpUrl: string) {
  const url = new URL(smtpUrl);
  const loopback = isLoopback(url.hostname);
  return {
    requireTLS: url.protocol === 'smtp:' && !loopback,
    tls: { minVersion: 'TLSv1.2' as const },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  };
}
const BATCH = 20;
const MAX_BACKOFF_MS = 15 * 60_000;

interface OutboxRow {
  id: number;
  recipient: string;
  subject: string;
  body_encrypted: string | null;
  attempts: number;
  next_attempt_at: number;
}

export class MailSender {
  private readonly transport: Transporter | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private next: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly knex: Knex,
    private readonly outboxKey: Buffer,
    smtpUrl: string | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.transport = smtpUrl ? nodemailer.createTransport(smtpUrl, transportOptions(smtpUrl)) : null;
  }

  get configured(): boolean {
    return this.transport !== null;
  }

  /** Delivers every due mail now; resolves with how many the pass sent. */
  kick(): Promise<number> {
    if (!this.transport || this.stopped) return Promise.resolve(0);
    if (this.running) {
      // A pass is under way and may have read the outbox before this call's mail was queued: one more pass
      // follows it, shared by every call made meanwhile, and this call resolves when that pass is done.
      this.next ??= this.running.then(() => {
        this.next = null;
        return this.kick();
      });
      return this.next;
    }
    this.running = this.deliverDue()
      .catch((err: unknown) => {
        // The database is unreachable or closing: the mail stays queued for the next pass.
        this.log.warn('mail outbox pass failed', {
          reason: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
        });
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Sends one message now, past the outbox, and reports the server's answer (the admin's test mail). */
  async sendNow(mail: MailMessage): Promise<{ delivered: boolean; serverResponse: string }> {
    if (!this.transport) {
      return { delivered: false, serverResponse: 'Mail is not configured: HEALTHSPHERE_SMTP_URL is not set.' };
    }
    try {
      const info = (await this.transport.sendMail({
        from: FROM,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      })) as {
        response?: string;
      };
      return { delivered: true, serverResponse: String(info.response ?? 'accepted').slice(0, 300) };
    } catch (err) {
      return { delivered: false, serverResponse: err instanceof Error ? err.message.slice(0, 300) : 'unknown error' };
    }
  }

  start(intervalMs = 15_000): void {
    if (!this.transport || this.timer) return;
    this.timer = setInterval(() => void this.kick(), intervalMs);
    this.timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => 0);
    this.transport?.close();
  }

  private async deliverDue(): Promise<number> {
    const transport = this.transport!;
    const now = this.clock.nowMs();
    const due = (await this.knex('mail_outbox')
      .whereNull('sent_at')
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .limit(BATCH)) as OutboxRow[];
    let sent = 0;
    for (const row of due) {
      // Claim the row: another workstation sending the same outbox skips it.
      const claimedUntil = now + 60_000;
      const claimed = await this.knex('mail_outbox')
        .where({ id: row.id, next_attempt_at: row.next_attempt_at })
        .whereNull('sent_at')
        .update({ next_attempt_at: claimedUntil });
      if (claimed !== 1 || !row.body_encrypted) continue;
      try {
        const body = JSON.parse(decrypt(this.outboxKey, row.body_encrypted, OUTBOX_CONTEXT)) as {
          text: string;
          html: string;
        };
        await transport.sendMail({
          from: FROM,
          to: row.recipient,
          subject: row.subject,
          text: body.text,
          html: body.html,
        });
        await this.knex('mail_outbox')
          .where({ id: row.id })
          .update({ sent_at: this.clock.nowMs(), body_encrypted: null, attempts: row.attempts + 1, last_error: null });
        sent++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** Math.min(attempts, 10));
        // The server's reply says why; it never contains the body.
        const reason = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
        await this.knex('mail_outbox')
          .where({ id: row.id })
          .update({ attempts, next_attempt_at: this.clock.nowMs() + backoff, last_error: reason });
        this.log.warn('mail delivery failed, will retry', { outboxId: row.id, attempts });
      }
    }
    return sent;
  }
}

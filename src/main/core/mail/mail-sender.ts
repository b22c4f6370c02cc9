// Delivers queued mail through the mail server in force, retrying with back-off. Mail leaves only when the
// settings allow it (a server is set, and one that is not this computer has a BAA on file); otherwise it stays
// queued and the admin's screens say why. A sent mail's body is erased from the outbox; so is the body of one the
// server refused for good. A problem with the server (unreachable, TLS, login, silence) loses nothing: the message
// waits and is tried again, and sending pauses until then rather than knocking on a broken server for each mail.
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { decrypt } from '../crypto/encryption';
import type { Logger } from '../log';
import { describeMailError, type DeliveryProblem } from './delivery-problems';
import type { MailInForce, MailSettingsStore } from './mail-settings';
import { OUTBOX_CONTEXT } from './outbox';
import {
  composeMessage,
  connectionOptions,
  DEFAULT_MAIL_TIMEOUTS,
  deliver,
  type MailTimeouts,
  serverLabel,
  type TlsFacts,
} from './smtp-delivery';
import type { MailMessage } from './templates';

const BATCH = 20;
const MAX_BACKOFF_MS = 15 * 60_000;

interface OutboxRow {
  id: number;
  kind: string;
  recipient: string;
  subject: string;
  body_encrypted: string | null;
  attempts: number;
  next_attempt_at: number;
}

export interface TestMailResult {
  delivered: boolean;
  serverResponse: string;
  problem: string | null;
  server: string;
  tls: TlsFacts | null;
}

export class MailSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private next: Promise<number> | null = null;
  private stopped = false;
  /** The last time the server could not be reached, and why: sending pauses until `retryAt`. */
  private trouble: { problem: DeliveryProblem; retryAt: number } | null = null;
  private retryRequested = false;

  constructor(
    private readonly knex: Knex,
    private readonly outboxKey: Buffer,
    private readonly settings: MailSettingsStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly timeouts: MailTimeouts = DEFAULT_MAIL_TIMEOUTS,
  ) {}

  /** Whether mail leaves now, and if not, why; a server that failed on the last attempt is said too. */
  statusOf(mail: MailInForce): MailInForce['delivery'] {
    if (mail.delivery.state === 'ready' && this.trouble)
      return {
        state: 'failing',
        message: `The last attempt to send mail failed: ${this.trouble.problem.reason} Waiting mail is tried again automatically, and at once when the mail settings are saved.`,
      };
    return mail.delivery;
  }

  /**
   * Delivers every due mail now; resolves with how many the pass sent. `retryNow` ends a pause after a server
   * problem (the settings were just changed, or an admin asked).
   */
  kick(options: { retryNow?: boolean } = {}): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    // Taken up by the next pass to start (a pass under way may still fail with the old settings).
    if (options.retryNow) this.retryRequested = true;
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

  /**
   * Sends one message now, past the outbox and past the BAA gate (it carries no patient's information and goes
   * to the admin's own address), and reports the server's answer and the connection's protection.
   */
  async sendNow(mail: MailMessage): Promise<TestMailResult> {
    const current = await this.settings.current();
    const server = current.settings.host ? serverLabel(current.settings) : '';
    if (current.delivery.state === 'not-configured')
      return { delivered: false, serverResponse: '', problem: current.delivery.message, server, tls: null };
    try {
      const delivered = await deliver(
        connectionOptions(current.settings, current.password, this.timeouts),
        await composeMessage(current.settings, current.logo, mail),
      );
      return { delivered: true, serverResponse: delivered.response, problem: null, server, tls: delivered.tls };
    } catch (err) {
      const problem = this.describe(err, server);
      const response = (err as { response?: string }).response;
      return {
        delivered: false,
        serverResponse: String(response ?? '').slice(0, 300),
        problem: problem.reason,
        server,
        tls: null,
      };
    }
  }

  start(intervalMs = 15_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.kick(), intervalMs);
    this.timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => 0);
  }

  /** Longer than the slowest possible delivery of one message (every timeout, and a margin). */
  private claimMs(): number {
    const { connectionMs, greetingMs, socketMs } = this.timeouts;
    return connectionMs + greetingMs + 3 * socketMs + 60_000;
  }

  private describe(err: unknown, server: string): DeliveryProblem {
    return describeMailError(
      err,
      server,
      Math.round(Math.max(this.timeouts.greetingMs, this.timeouts.socketMs) / 1000),
    );
  }

  private async deliverDue(): Promise<number> {
    const now = this.clock.nowMs();
    if (this.retryRequested) {
      this.retryRequested = false;
      this.trouble = null;
    }
    if (this.trouble && now < this.trouble.retryAt) return 0;
    const mail = await this.settings.current();
    if (mail.delivery.state !== 'ready') return 0;
    const server = serverLabel(mail.settings);
    const options = connectionOptions(mail.settings, mail.password, this.timeouts);
    const due = (await this.knex('mail_outbox')
      .whereNull('sent_at')
      .whereNull('given_up_at')
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .limit(BATCH)) as OutboxRow[];
    let sent = 0;
    for (const row of due) {
      // Claim the row for longer than one delivery can take: another workstation sending the same outbox skips it.
      const claimed = await this.knex('mail_outbox')
        .where({ id: row.id, next_attempt_at: row.next_attempt_at })
        .whereNull('sent_at')
        .update({ next_attempt_at: this.clock.nowMs() + this.claimMs() });
      if (claimed !== 1 || !row.body_encrypted) continue;
      let body: { text: string; html: string };
      try {
        body = JSON.parse(decrypt(this.outboxKey, row.body_encrypted, OUTBOX_CONTEXT)) as typeof body;
      } catch {
        // Not readable with this data key (or damaged): it can never be sent, and must not block the others.
        await this.knex('mail_outbox').where({ id: row.id }).update({
          given_up_at: this.clock.nowMs(),
          body_encrypted: null,
          last_error: "The message could not be read with this workstation's data key; it will not be sent.",
        });
        this.log.error('queued mail could not be decrypted', { outboxId: row.id });
        continue;
      }
      try {
        const message = { kind: row.kind, to: row.recipient, subject: row.subject, ...body } as MailMessage;
        const delivered = await deliver(options, await composeMessage(mail.settings, mail.logo, message));
        await this.knex('mail_outbox')
          .where({ id: row.id })
          .update({
            sent_at: this.clock.nowMs(),
            body_encrypted: null,
            attempts: row.attempts + 1,
            last_error: null,
            server_response: withProtection(delivered.response, delivered.tls),
          });
        this.trouble = null;
        sent++;
      } catch (err) {
        const problem = this.describe(err, server);
        const attempts = row.attempts + 1;
        const at = this.clock.nowMs();
        if (problem.permanent) {
          // Refused for good: the code or notice inside will never be sent, so it is not kept either.
          await this.knex('mail_outbox')
            .where({ id: row.id })
            .update({ attempts, given_up_at: at, body_encrypted: null, last_error: problem.reason });
          this.log.warn('mail refused by the server for good', { outboxId: row.id });
          continue;
        }
        const retryAt = at + Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** Math.min(attempts, 10));
        await this.knex('mail_outbox')
          .where({ id: row.id })
          .update({ attempts, next_attempt_at: retryAt, last_error: problem.reason });
        this.log.warn('mail delivery failed, will retry', { outboxId: row.id, attempts });
        // The server, not this message, is the problem unless a reply refused the message itself: wait.
        const { responseCode, code, command } = err as { responseCode?: number; code?: string; command?: string };
        // (A refused recipient, or a temporary refusal of this message; a refused sender or relay is the settings'.)
        const aboutThisMessage =
          responseCode !== undefined &&
          responseCode < 500 &&
          ((code === 'EENVELOPE' && command === 'RCPT TO') || code === 'EMESSAGE');
        if (!aboutThisMessage) {
          this.trouble = { problem, retryAt };
          break;
        }
      }
    }
    return sent;
  }
}

/** The server's answer as the delivery log keeps it, with how the connection was protected. */
function withProtection(response: string, tls: TlsFacts | null): string {
  if (!tls) return `${response} (plain text, to this computer)`;
  return `${response} (${tls.version}, ${tls.cipher}, certificate ${tls.certificateVerified ? 'verified' : 'NOT verified'})`;
}

/** Makes every waiting (not sent, not given up) message due now, e.g. after the mail settings changed. */
export async function makeWaitingMailDue(trx: Knex.Transaction, nowMs: number): Promise<number> {
  return trx('mail_outbox').whereNull('sent_at').whereNull('given_up_at').update({ next_attempt_at: nowMs });
}

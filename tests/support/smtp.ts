// A real SMTP server on loopback that keeps every message, for tests to read mail back.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

export class TestMailbox {
  readonly messages: ReceivedMail[] = [];
  private waiters: Array<() => void> = [];
  private server: SMTPServer;
  /** While true the server answers every message with a temporary failure, like a mail server that is down. */
  refuse = false;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refuse) {
            callback(Object.assign(new Error('Service temporarily unavailable'), { responseCode: 451 }));
            return;
          }
          simpleParser(Buffer.concat(chunks))
            .then((mail) => {
              const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
              this.messages.push({
                to: to?.value[0]?.address ?? '',
                subject: mail.subject ?? '',
                text: mail.text ?? '',
              });
              this.waiters.splice(0).forEach((w) => w());
              callback();
            })
            .catch(callback);
        });
      },
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  mailTo(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to === address);
  }

  /** Waits for the n-th mail to an address (1-based), up to a few seconds. */
  async waitFor(address: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.mailTo(address).length < count) {
      if (Date.now() > deadline) throw new Error(`No mail #${count} to ${address} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.mailTo(address)[count - 1]!;
  }
}

export function codeIn(mail: ReceivedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error('no 6-digit code in the mail');
  return match[1]!;
}

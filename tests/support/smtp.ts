// Real SMTP servers for tests to read mail back from. The default TestMailbox is a plain-text server on loopback
// that keeps every message (STARTTLS not offered); options make it offer STARTTLS or speak TLS from the start with
// a given certificate, require a user name and password, listen on another address, refuse a recipient for good or
// hang after DATA. SilentServer accepts connections and never says a word.
import net, { type AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedAttachment {
  contentType: string;
  filename: string | null;
  /** The Content-ID of an inline part (an image the HTML shows as cid:…), or null. */
  cid: string | null;
  size: number;
}

export interface ReceivedMail {
  /** The first address of the To header. */
  to: string;
  subject: string;
  text: string;
  /** The HTML part, or '' when the mail has none. */
  html: string;
  /** How many attachments (inline images included) the mail carries. */
  attachments: number;
  attachmentDetails: ReceivedAttachment[];
  /** The From header's address and display name. */
  from: string;
  fromName: string;
  /** The envelope recipients (RCPT TO). */
  envelopeTo: string[];
  /** Whether the message came over TLS (implicit or after STARTTLS). */
  secure: boolean;
  /** The user name the client signed in with, or null. */
  user: string | null;
  /** The message as it travelled (headers and MIME body). */
  raw: string;
}

/**
 * - 'plain' (the default): plain text, STARTTLS not offered (a client that requires STARTTLS fails against it);
 * - 'starttls': plain text at first, STARTTLS offered with `key`/`cert`;
 * - 'tls': TLS from the first byte (implicit TLS, like port 465) with `key`/`cert`.
 */
export type MailboxSecurity = 'plain' | 'starttls' | 'tls';

export interface MailboxOptions {
  security?: MailboxSecurity;
  /** PEM key and certificate, for 'starttls' and 'tls'. */
  key?: string;
  cert?: string;
  /** Require this user name and password (anything else gets 535). On 'plain', AUTH is allowed without TLS. */
  auth?: { user: string; password: string };
  /** The address to listen on: 127.0.0.1 unless told (e.g. the computer's non-loopback address). */
  host?: string;
  /** The port to listen on: any free one unless told. */
  port?: number;
  /** Recipients refused for good: 550 on RCPT TO. */
  refuseRecipients?: string[];
  /** Greets, takes the message after DATA, and then never answers (the client's timeout has to end it). */
  hangAfterData?: boolean;
  /** Refuses every sender at MAIL FROM with this reply (e.g. 530 authentication required). */
  refuseSender?: { code: number; message: string };
  /** Refuses every recipient at RCPT TO with this reply (e.g. 554 5.7.1 relay access denied). */
  refuseEveryRecipient?: { code: number; message: string };
}

export class TestMailbox {
  readonly messages: ReceivedMail[] = [];
  /** Connections accepted so far (a server nobody should have reached still has 0). */
  connections = 0;
  /** Recipients refused with 550 so far. */
  readonly refusedRecipients: string[] = [];
  /** Messages swallowed by a `hangAfterData` server. */
  hungMessages = 0;
  /** Sign-in attempts refused with 535 so far. */
  failedLogins = 0;
  /** Connection errors the server saw (a client that gave up on the certificate, a dropped socket). */
  readonly errors: Error[] = [];
  /** While true the server answers every message with a temporary failure, like a mail server that is down. */
  refuse = false;
  private waiters: Array<() => void> = [];
  private readonly server: SMTPServer;
  private readonly options: MailboxOptions;
  private address: { host: string; port: number } | null = null;

  constructor(options: MailboxOptions = {}) {
    this.options = options;
    const security = options.security ?? 'plain';
    if (security !== 'plain' && (!options.key || !options.cert)) {
      throw new Error(`a '${security}' test mailbox needs a key and a certificate`);
    }
    const refused = new Set((options.refuseRecipients ?? []).map((a) => a.toLowerCase()));
    const serverOptions: SMTPServerOptions = {
      logger: false,
      disableReverseLookup: true,
      closeTimeout: 1000,
      secure: security === 'tls',
      ...(security !== 'plain' ? { key: options.key, cert: options.cert } : {}),
      disabledCommands: security === 'plain' ? ['STARTTLS'] : [],
      authOptional: !options.auth,
      allowInsecureAuth: security === 'plain',
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onAuth: (auth, _session, callback) => {
        if (options.auth && auth.username === options.auth.user && auth.password === options.auth.password) {
          callback(null, { user: auth.username });
          return;
        }
        this.failedLogins++;
        callback(Object.assign(new Error('Error: Authentication credentials invalid'), { responseCode: 535 }));
      },
      onMailFrom: (_address, _session, callback) => {
        const reply = options.refuseSender;
        if (reply) callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
        else callback();
      },
      onRcptTo: (address, _session, callback) => {
        const every = options.refuseEveryRecipient;
        if (every) {
          callback(Object.assign(new Error(every.message), { responseCode: every.code }));
          return;
        }
        if (refused.has(address.address.toLowerCase())) {
          this.refusedRecipients.push(address.address);
          callback(
            Object.assign(new Error(`Mailbox unavailable: no such user <${address.address}>`), { responseCode: 550 }),
          );
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (options.hangAfterData) {
            this.hungMessages++;
            return; // never answers: no 250, no error
          }
          if (this.refuse) {
            callback(Object.assign(new Error('Service temporarily unavailable'), { responseCode: 451 }));
            return;
          }
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((mail) => {
              const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
              const from = mail.from?.value[0];
              const attachmentDetails = mail.attachments.map((a) => ({
                contentType: a.contentType,
                filename: a.filename ?? null,
                cid: a.cid ?? null,
                size: a.size,
              }));
              this.messages.push({
                to: to?.value[0]?.address ?? '',
                subject: mail.subject ?? '',
                text: mail.text ?? '',
                html: typeof mail.html === 'string' ? mail.html : '',
                attachments: attachmentDetails.length,
                attachmentDetails,
                from: from?.address ?? '',
                fromName: from?.name ?? '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                secure: session.secure,
                user: typeof session.user === 'string' ? session.user : null,
                raw: raw.toString('utf8'),
              });
              this.waiters.splice(0).forEach((w) => w());
              callback();
            })
            .catch(callback);
        });
      },
    };
    this.server = new SMTPServer(serverOptions);
    // A client that refuses the certificate or times out drops the connection: an 'error' event, not a crash.
    this.server.on('error', (err: Error) => this.errors.push(err));
  }

  /** Starts listening; resolves with the server's URL (smtps:// for implicit TLS, smtp:// otherwise). */
  async start(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.server.once('error', onError);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.server.off('error', onError);
        resolve();
      });
    });
    const { port } = this.server.server.address() as AddressInfo;
    this.address = { host, port };
    return this.url;
  }

  /** The address it listens on (after start). */
  get host(): string {
    if (!this.address) throw new Error('the test mailbox is not started');
    return this.address.host;
  }

  get port(): number {
    if (!this.address) throw new Error('the test mailbox is not started');
    return this.address.port;
  }

  get url(): string {
    const scheme = this.options.security === 'tls' ? 'smtps' : 'smtp';
    return `${scheme}://${this.host}:${this.port}`;
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

/** A server that accepts connections and never says anything, not even the greeting. */
export class SilentServer {
  /** Connections accepted so far. */
  connections = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.connections++;
    socket.on('error', () => undefined);
    if (this.options.closeAtOnce) {
      socket.end(); // hangs up before any greeting
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.resume(); // reads whatever the client says, answers nothing
  });
  private address: { host: string; port: number } | null = null;

  /** `closeAtOnce`: hang up on every connection before saying anything (a relay that is not up behind its port). */
  constructor(private readonly options: { host?: string; port?: number; closeAtOnce?: boolean } = {}) {}

  /** Starts listening; resolves with an smtp:// URL for it. */
  async start(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.address = { host, port };
    return this.url;
  }

  get host(): string {
    if (!this.address) throw new Error('the silent server is not started');
    return this.address.host;
  }

  get port(): number {
    if (!this.address) throw new Error('the silent server is not started');
    return this.address.port;
  }

  get url(): string {
    return `smtp://${this.host}:${this.port}`;
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function codeIn(mail: ReceivedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error('no 6-digit code in the mail');
  return match[1]!;
}

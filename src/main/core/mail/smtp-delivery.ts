// One message, one SMTP connection: connect (TLS from the start, or STARTTLS when required), log in, send, and say
// what the server answered and how the connection was protected. TLS 1.2 at least; the certificate is always
// verified against the public roots plus the organisation's certificate an admin trusted. Plain text only to a
// relay on this computer.
import os from 'node:os';
import { rootCertificates, TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import MailComposer from 'nodemailer/lib/mail-composer';
import { isLoopbackHost, type MailLogo, type MailSettings } from '../../../shared/mail';
import { LOGO_CID, type MailMessage } from './templates';

export interface MailTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

export const DEFAULT_MAIL_TIMEOUTS: MailTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 20_000 };

export interface TlsFacts {
  version: string;
  cipher: string;
  certificateVerified: boolean;
  certificateSubject: string;
  certificateIssuer: string;
  certificateValidTo: string;
}

export interface Delivered {
  response: string;
  tls: TlsFacts | null;
}

/** Where mail goes, as "host:port" (IPv6 in brackets). */
export function serverLabel(settings: Pick<MailSettings, 'host' | 'port'>): string {
  return `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
}

export function connectionOptions(
  settings: MailSettings,
  password: string,
  timeouts: MailTimeouts,
): SMTPConnection.Options {
  const plain = settings.security === 'none';
  if (plain && !isLoopbackHost(settings.host)) throw new Error('plain text is allowed only to this computer');
  // This computer by name is reached at its address, never through a DNS server's answer.
  const address = settings.host === 'localhost' ? '127.0.0.1' : settings.host;
  return {
    host: address,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: plain,
    name: os.hostname(),
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    tls: {
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(settings.trustedCertificate ? { ca: [...rootCertificates, settings.trustedCertificate] } : {}),
      ...(isIP(settings.host) ? {} : { servername: settings.host }),
    },
    ...(settings.username ? { auth: { user: settings.username, pass: password } } : {}),
  };
}

function sender(settings: MailSettings): { name: string; address: string } {
  return {
    name: settings.fromName || settings.clinicName || 'HealthSphere',
    address: settings.fromAddress || 'no-reply@healthsphere.invalid',
  };
}

/** The message as the server receives it: both parts, and the clinic's logo inline when the HTML shows it. */
export async function composeMessage(settings: MailSettings, logo: MailLogo | null, mail: MailMessage) {
  const from = sender(settings);
  const showsLogo = logo !== null && mail.html.includes(`cid:${LOGO_CID}`);
  const raw = await new MailComposer({
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    ...(showsLogo
      ? {
          attachments: [
            {
              filename: logo.type === 'image/png' ? 'logo.png' : 'logo.jpg',
              content: Buffer.from(logo.dataBase64, 'base64'),
              contentType: logo.type,
              cid: LOGO_CID,
            },
          ],
        }
      : {}),
  })
    .compile()
    .build();
  return { envelope: { from: from.address, to: [mail.to] }, raw };
}

function tlsFacts(socket: unknown): TlsFacts | null {
  if (!(socket instanceof TLSSocket)) return null;
  const certificate = socket.getPeerCertificate();
  const name = (part: Record<string, unknown> | undefined) =>
    part
      ? Object.entries(part)
          .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
          .join(', ')
      : '';
  return {
    version: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.name ?? 'unknown',
    certificateVerified: socket.authorized,
    certificateSubject: name(certificate?.subject as unknown as Record<string, unknown>),
    certificateIssuer: name(certificate?.issuer as unknown as Record<string, unknown>),
    certificateValidTo: certificate?.valid_to ?? '',
  };
}

/** Sends one composed message on a connection of its own; rejects with nodemailer's error. */
export function deliver(
  options: SMTPConnection.Options,
  message: { envelope: SMTPConnection.Envelope; raw: Buffer },
): Promise<Delivered> {
  return new Promise<Delivered>((resolve, reject) => {
    const connection = new SMTPConnection(options);
    let settled = false;
    // However the server behaves, one message never takes longer than every step's timeout together.
    const deadline = setTimeout(
      () => fail(Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT' })),
      (options.connectionTimeout ?? 0) + (options.greetingTimeout ?? 0) + 3 * (options.socketTimeout ?? 0) + 1000,
    );
    deadline.unref();
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      connection.close();
      reject(err);
    };
    // Errors of the connection itself (refused, TLS, timeouts) arrive here, whatever step is under way.
    connection.on('error', fail);
    // A server that closes the connection (even before its greeting, which nodemailer reports as no error).
    connection.once('end', () =>
      fail(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' })),
    );
    connection.connect(() => {
      const send = () =>
        connection.send(message.envelope, message.raw, (err, info) => {
          if (err) return fail(err);
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          const facts = tlsFacts(connection._socket);
          connection.quit();
          resolve({ response: String(info.response ?? 'accepted').slice(0, 300), tls: facts });
        });
      if (!options.auth) return send();
      connection.login(options.auth as SMTPConnection.Credentials, (err) => (err ? fail(err) : send()));
    });
  });
}

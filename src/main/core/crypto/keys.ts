// The data key and the keys derived from it. The key is protected by the OS keychain in the app
// (a KeyProtector from the shell), by a 0600 key file in plain Node, or given as HEALTHSPHERE_MASTER_KEY.
import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What the shell provides to wrap the key file with the OS keychain (Electron safeStorage). */
export interface KeyProtector {
  readonly name: string;
  protect(plain: Buffer): Buffer;
  unprotect(wrapped: Buffer): Buffer;
}

export interface DerivedKeys {
  /** HMAC key for one-time email codes. */
  emailCode: Buffer;
  /** HMAC key for session tokens. */
  sessionToken: Buffer;
  /** AES-256-GCM key for mail bodies waiting in the outbox. */
  outbox: Buffer;
  /** AES-256-GCM key for the mail server's password. */
  mailCredentials: Buffer;
  /** HMAC key for the email a sign-in guard counts failures for. */
  signInGuard: Buffer;
  /** AES-256-GCM key for TOTP secrets. */
  totpSecret: Buffer;
  /** HMAC key for backup codes. */
  backupCode: Buffer;
  /** AES-256-GCM key for PHI fields of profiles. */
  phi: Buffer;
  /** HMAC key for the searchable form of a date of birth. */
  phiLookup: Buffer;
  /** HMAC key of the audit chain: each event's MAC. */
  auditChain: Buffer;
  /** HMAC key that signs audit checkpoints and archive records. */
  auditSignature: Buffer;
}

const KEY_BYTES = 32;

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, 'data.key');
}

const HEADER = 'healthsphere-data-key v1';
const PLAIN_WRAPPING = 'file';

export class KeyFileError extends Error {}

/**
 * Returns the data key, creating the key file on first start. The file's first line says how the key is
 * wrapped (`file`, or the protector's name), so a process without that protector fails with a clear message.
 */
export function loadDataKey(options: { dataDir: string; masterKey?: Buffer; protector?: KeyProtector }): Buffer {
  if (options.masterKey) {
    if (options.masterKey.length !== KEY_BYTES) throw new KeyFileError('The master key must be 32 bytes.');
    return options.masterKey;
  }
  const file = keyFilePath(options.dataDir);
  const protector = options.protector;
  if (fs.existsSync(file)) {
    const [header = '', payload = ''] = fs.readFileSync(file, 'utf8').split('\n');
    const wrapping = header.startsWith(`${HEADER} `) ? header.slice(HEADER.length + 1) : '';
    let key: Buffer;
    if (wrapping === PLAIN_WRAPPING) {
      key = Buffer.from(payload.trim(), 'base64');
    } else if (protector && wrapping === protector.name) {
      key = protector.unprotect(Buffer.from(payload.trim(), 'base64'));
    } else if (wrapping) {
      throw new KeyFileError(
        `The key file ${file} is protected by ${wrapping}, which this process cannot use. ` +
          'Run this from the HealthSphere app on this machine, or give the key as HEALTHSPHERE_MASTER_KEY.',
      );
    } else {
      throw new KeyFileError(`The key file ${file} is not a HealthSphere key file.`);
    }
    if (key.length !== KEY_BYTES) throw new KeyFileError(`The key file ${file} is damaged.`);
    return key;
  }
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const payload = (protector ? protector.protect(key) : key).toString('base64');
  const contents = `${HEADER} ${protector ? protector.name : PLAIN_WRAPPING}\n${payload}\n`;
  // 'wx': never overwrite a key another process wrote a moment ago.
  try {
    fs.writeFileSync(file, contents, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadDataKey(options);
    throw err;
  }
  return key;
}

export function deriveKeys(dataKey: Buffer): DerivedKeys {
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `healthsphere/${info}`, KEY_BYTES));
  return {
    emailCode: derive('email-code/v1'),
    sessionToken: derive('session-token/v1'),
    outbox: derive('outbox/v1'),
    mailCredentials: derive('mail-credentials/v1'),
    signInGuard: derive('sign-in-guard/v1'),
    totpSecret: derive('totp-secret/v1'),
    backupCode: derive('backup-code/v1'),
    phi: derive('phi/v1'),
    phiLookup: derive('phi-lookup/v1'),
    auditChain: derive('audit-chain/v1'),
    auditSignature: derive('audit-signature/v1'),
  };
}

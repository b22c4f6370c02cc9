import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt } from '../../src/main/core/crypto/encryption';
import { hashesEqual, keyedHash } from '../../src/main/core/crypto/hmac';
import { deriveKeys, keyFilePath, loadDataKey } from '../../src/main/core/crypto/keys';
import { generateEmailCode, generateToken } from '../../src/main/core/crypto/random';

describe('keyed hashes', () => {
  it('matches RFC 4231 test case 2 (HMAC-SHA-256)', () => {
    expect(keyedHash(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
  it('compares equal hashes as equal and different or malformed ones as different', () => {
    const a = keyedHash(Buffer.from('k'), '123456');
    expect(hashesEqual(a, a)).toBe(true);
    expect(hashesEqual(a, keyedHash(Buffer.from('k'), '123457'))).toBe(false);
    expect(hashesEqual(a, 'zz')).toBe(false);
  });
});

describe('encryption at rest', () => {
  const key = randomBytes(32);
  it('round-trips, and never writes the plaintext', () => {
    const sealed = encrypt(key, 'Your code is 123456', 'ctx');
    expect(sealed).not.toContain('123456');
    expect(decrypt(key, sealed, 'ctx')).toBe('Your code is 123456');
  });
  it('refuses a ciphertext that was changed, moved to another context, or read with another key', () => {
    const sealed = encrypt(key, 'secret', 'ctx');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => decrypt(key, `v1:${raw.toString('base64')}`, 'ctx')).toThrow();
    expect(() => decrypt(key, sealed, 'other')).toThrow();
    expect(() => decrypt(randomBytes(32), sealed, 'ctx')).toThrow();
  });
});

describe('the data key', () => {
  it('is created once in a 0600 file and read back the same', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-key-'));
    const first = loadDataKey({ dataDir: dir });
    expect((fs.statSync(keyFilePath(dir)).mode & 0o777).toString(8)).toBe('600');
    expect(loadDataKey({ dataDir: dir }).equals(first)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
  it('is wrapped by the OS keychain when the app has one, and a process without it is told plainly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-key-'));
    const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
    const protector = { name: 'electron-safeStorage', protect: xor, unprotect: xor };
    const key = loadDataKey({ dataDir: dir, protector });
    const file = fs.readFileSync(keyFilePath(dir), 'utf8');
    expect(file.startsWith('healthsphere-data-key v1 electron-safeStorage\n')).toBe(true);
    expect(file).not.toContain(key.toString('base64'));
    expect(loadDataKey({ dataDir: dir, protector }).equals(key)).toBe(true);
    expect(() => loadDataKey({ dataDir: dir })).toThrow(/protected by electron-safeStorage.*HEALTHSPHERE_MASTER_KEY/);
    fs.writeFileSync(keyFilePath(dir), 'garbage');
    expect(() => loadDataKey({ dataDir: dir })).toThrow(/not a HealthSphere key file/);
    fs.rmSync(dir, { recursive: true });
  });
  it('comes from HEALTHSPHERE_MASTER_KEY when given, and derives distinct keys per use', () => {
    const master = randomBytes(32);
    expect(loadDataKey({ dataDir: '/nonexistent', masterKey: master })).toBe(master);
    const keys = deriveKeys(master);
    expect(new Set([keys.emailCode, keys.sessionToken, keys.outbox].map((k) => k.toString('hex'))).size).toBe(3);
  });
});

describe('random secrets', () => {
  it('makes 6-digit codes with leading zeros kept, spread over the whole range', () => {
    const codes = Array.from({ length: 2000 }, generateEmailCode);
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    const firstDigits = new Set(codes.map((c) => c[0]));
    expect(firstDigits.size).toBe(10);
  });
  it('makes 256-bit tokens', () => {
    expect(Buffer.from(generateToken(), 'base64url')).toHaveLength(32);
  });
});

// TOTP codes from an independent implementation: oathtool (Debian's oath-toolkit), and QR codes read back
// with zbarimg. Neither shares code with the product.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Core } from '../../src/main/core';

/** The code oathtool computes for a base32 secret at a time (epoch ms), `steps` periods away. */
export function oathCode(secret: string, atMs: number, steps = 0): string {
  const seconds = Math.floor(atMs / 1000) + steps * 30;
  return execFileSync('oathtool', ['--totp', '-b', secret.replace(/\s/g, ''), '--now', `@${seconds}`], {
    encoding: 'utf8',
  }).trim();
}

/** Decodes a QR code PNG given as a data URL, with zbarimg. */
export function decodeQr(dataUrl: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hs-qr-')), 'qr.png');
  fs.writeFileSync(file, Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  try {
    return execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export interface Enrolled {
  secret: string;
  backupCodes: string[];
}

/** Enrolls the signed-in caller the way a person does: scans the key, types the app's current code. */
export async function enroll(core: Core, callerId: string, nowMs: number): Promise<Enrolled> {
  const begun = await core.dispatch('twoFactor.beginEnrollment', {}, { id: callerId });
  expect(begun.ok).toBe(true);
  const { manualKey } = (begun as { value: { manualKey: string } }).value;
  const secret = manualKey.replace(/\s/g, '');
  const confirmed = await core.dispatch(
    'twoFactor.confirmEnrollment',
    { code: oathCode(secret, nowMs) },
    { id: callerId },
  );
  expect(confirmed.ok).toBe(true);
  return { secret, backupCodes: (confirmed as { value: { backupCodes: string[] } }).value.backupCodes };
}

// Keyed hashes for secrets we only need to recognise again (codes, tokens), compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

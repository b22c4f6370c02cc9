import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/shared/api';
import { CHANNEL_NAMES, contract } from '../../src/shared/contract';
import { passwordProblem } from '../../src/shared/password-policy';
import { emailCodeSchema, emailSchema, phoneSchema, registrationSchema } from '../../src/shared/schemas';
import { loadConfig } from '../../src/main/core/config';

describe('the contract', () => {
  it('builds window.api with one method per channel, each sending its own channel name', async () => {
    const sent: string[] = [];
    const api = createApi(async (channel) => {
      sent.push(channel);
      return { ok: true, value: null };
    });
    await api.session.signIn({ email: 'a@b.example', password: 'x' });
    await api.account.register({ email: '', firstName: '', lastName: '', password: '', confirmPassword: '' });
    expect(sent).toEqual(['session.signIn', 'account.register']);
    const methods = Object.entries(api).flatMap(([ns, m]) => Object.keys(m).map((k) => `${ns}.${k}`));
    expect(methods.sort()).toEqual([...CHANNEL_NAMES].sort());
  });
  it('names channels ns.method, and every input rejects unknown keys', () => {
    for (const name of CHANNEL_NAMES) {
      expect(name).toMatch(/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/);
      const example = { unexpected: true };
      expect(contract[name].input.safeParse(example).success).toBe(false);
    }
  });
});

describe('field rules', () => {
  it('stores one spelling of an email: NFKC, trimmed, lower case', () => {
    expect(emailSchema.parse('  Ada@EXAMPLE.org ')).toBe('ada@example.org');
    expect(emailSchema.parse('ａｄａ@example.org')).toBe('ada@example.org'); // full-width letters
    expect(emailSchema.safeParse('not an email').success).toBe(false);
    expect(emailSchema.safeParse(`${'a'.repeat(300)}@example.org`).success).toBe(false);
  });
  it('accepts E.164 phones written with spaces, or none', () => {
    expect(phoneSchema.parse('+44 20 7946 0958')).toBe('+442079460958');
    expect(phoneSchema.parse('')).toBe('');
    expect(phoneSchema.safeParse('555-1234').success).toBe(false);
  });
  it('takes a 6-digit code, spaces ignored', () => {
    expect(emailCodeSchema.parse('123 456')).toBe('123456');
    expect(emailCodeSchema.safeParse('12345').success).toBe(false);
    expect(emailCodeSchema.safeParse('abcdef').success).toBe(false);
  });
  it('refuses a name with control characters and a confirmation that differs', () => {
    const base = {
      email: 'a@b.example',
      firstName: 'A',
      lastName: 'B',
      password: 'x'.repeat(12),
      confirmPassword: 'x'.repeat(12),
    };
    expect(registrationSchema.safeParse(base).success).toBe(true);
    expect(registrationSchema.safeParse({ ...base, firstName: 'A\u0007' }).success).toBe(false);
    expect(registrationSchema.safeParse({ ...base, confirmPassword: 'y'.repeat(12) }).success).toBe(false);
  });
  it('says why a password is refused', () => {
    expect(passwordProblem('short', {})).toBe('Use at least 12 characters.');
    expect(passwordProblem('aaaaaaaaaaaaaaa', {})).toBe('Use more different characters.');
    expect(passwordProblem('lovelace rocks 1815', { lastName: 'Lovelace' })).toMatch(/name or email/);
    expect(passwordProblem('correct horse battery staple', { email: 'ada@example.org' })).toBeNull();
  });
});

describe('configuration', () => {
  it('names the key of an invalid value', () => {
    expect(() => loadConfig({ HEALTHSPHERE_SMTP_URL: 'http://mail' })).toThrow(/HEALTHSPHERE_SMTP_URL/);
    expect(() => loadConfig({ HEALTHSPHERE_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/HEALTHSPHERE_MASTER_KEY/);
  });
  it('defaults to SQLite in ./.healthsphere with mail queued', () => {
    const config = loadConfig({});
    expect(config.dataDir).toMatch(/\.healthsphere$/);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
  });
});

// Helpers that walk a user through the real channels: register, read the code from the mailbox, verify.
import { expect } from 'vitest';
import type { Core } from '../../src/main/core';
import { type TestMailbox, codeIn } from './smtp';

export interface Person {
  email: string;
  firstName: string;
  lastName: string;
  password: string;
}

export function person(name: string, password = 'correct horse battery staple'): Person {
  return {
    email: `${name}@example.org`,
    firstName: name[0]!.toUpperCase() + name.slice(1),
    lastName: 'Tester',
    password,
  };
}

/** Registers and verifies a patient through dispatch; the code is read from the real mailbox. */
export async function registerVerified(core: Core, mailbox: TestMailbox, p: Person): Promise<void> {
  const caller = { id: `setup:${p.email}` };
  const before = mailbox.mailTo(p.email).length;
  const registered = await core.dispatch('account.register', { ...p, phone: '', confirmPassword: p.password }, caller);
  expect(registered.ok).toBe(true);
  await core.mail.kick();
  const code = codeIn(await mailbox.waitFor(p.email, before + 1));
  expect((await core.dispatch('account.verifyEmail', { email: p.email, code }, caller)).ok).toBe(true);
  // The welcome mail follows; waiting for it keeps later counts of this person's mail, and the outbox, steady.
  await core.mail.kick();
  await mailbox.waitFor(p.email, before + 2);
}

export async function signIn(core: Core, callerId: string, email: string, password: string) {
  return core.dispatch('session.signIn', { email, password }, { id: callerId });
}

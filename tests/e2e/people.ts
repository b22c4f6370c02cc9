// The people of the end-to-end tests and what they do at a desk: sign in, sign out, register.
import type { Page } from '@playwright/test';
import { codeIn } from '../support/smtp';
import { expect, type Preview } from './fixtures';

export const ADMIN = { email: 'grace@clinic.example', password: 'quiet harbour lantern 42' };
export const PATIENT = {
  email: 'ada@example.org',
  firstName: 'Ada',
  lastName: 'Lovelace',
  password: 'correct horse battery staple',
};

export function createAdmin(preview: Preview): void {
  const created = preview.admin(
    ['create-admin', '--email', ADMIN.email, '--first-name', 'Grace', '--last-name', 'Hopper', '--password-stdin'],
    `${ADMIN.password}\n`,
  );
  expect(created.status, created.stderr).toBe(0);
}

/** Fills Sign in and presses its button; what follows (portal, a code, enrollment) is for the caller to check. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

/** Registers the patient through the form and verifies the emailed code; ends on Sign in. */
export async function registerPatient(page: Page, preview: Preview): Promise<void> {
  await page.getByRole('button', { name: 'Create an account' }).click();
  // Register arrives on demand with zxcvbn's password dictionaries (819 KB gzip): slow on a busy machine.
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible({ timeout: 30_000 });
  await page.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await page.getByLabel('First name').fill(PATIENT.firstName);
  await page.getByLabel('Last name').fill(PATIENT.lastName);
  await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
  await page.getByLabel('Confirm password').fill(PATIENT.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const code = codeIn(await preview.mailbox.waitFor(PATIENT.email));
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Verify email' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // The welcome mail follows the verification: the patient's second mail.
  expect((await preview.mailbox.waitFor(PATIENT.email, 2)).subject).toBe('Welcome to HealthSphere');
}

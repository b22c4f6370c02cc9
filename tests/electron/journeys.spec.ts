// The core journeys through the real app (issue 8, item 6): the first administrator is set up on the first-run
// screen and turns on two-step verification, a patient registers with the code mailed to her, signs in and out.
// Codes from the authenticator come from otplib here, not oathtool and zbarimg as in tests/e2e: the release
// workflow runs this suite on Windows and macOS too, where those tools are not installed.
import { generate } from 'otplib';
import { codeIn } from '../support/smtp';
import { PATIENT, signIn, signOut } from '../e2e/people';
import { expect, test } from './fixtures';

const FIRST_ADMIN = {
  email: 'mary@clinic.example',
  firstName: 'Mary',
  lastName: 'Seacole',
  password: 'lantern harbour quiet 1857',
};

test('first-run setup of an administrator with two-step verification, a patient registering with the emailed code, sign-in and sign-out', async ({
  desktop,
}) => {
  test.setTimeout(180_000);
  const { window, mailbox } = desktop;

  // An empty database: the app asks for the first administrator.
  await expect(window.getByRole('heading', { name: 'Set up HealthSphere', level: 1 })).toBeVisible();
  await window.getByLabel('Email', { exact: true }).fill(FIRST_ADMIN.email);
  await window.getByLabel('First name').fill(FIRST_ADMIN.firstName);
  await window.getByLabel('Last name').fill(FIRST_ADMIN.lastName);
  await window.getByLabel('Password', { exact: true }).fill(FIRST_ADMIN.password);
  await window.getByLabel('Confirm password').fill(FIRST_ADMIN.password);
  await window.getByRole('button', { name: 'Create administrator' }).click();

  await expect(window.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await expect(window.getByLabel('Email', { exact: true })).toHaveValue(FIRST_ADMIN.email);
  await window.getByLabel('Password', { exact: true }).fill(FIRST_ADMIN.password);
  await window.getByRole('button', { name: 'Sign in', exact: true }).click();

  // Administrators must use two-step verification: it is set up before the portal opens.
  await expect(window.getByRole('heading', { name: 'Set up two-step verification', level: 1 })).toBeVisible();
  await expect(window.getByTestId('totp-qr')).toBeVisible();
  const secret = (await window.getByTestId('totp-manual-key').innerText()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await window.getByLabel('Authentication code').fill(await generate({ secret }));
  await window.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(window.getByRole('heading', { name: 'Save your backup codes', level: 1 })).toBeVisible();
  await expect(window.getByTestId('backup-codes').getByRole('listitem')).toHaveCount(10);
  await window.getByLabel('I have saved my backup codes').check();
  await window.getByRole('button', { name: 'Continue' }).click();
  await expect(window.getByRole('heading', { name: 'Administrator portal', level: 1 })).toBeVisible();
  // The admin panels are loaded on demand, from file:// under the app's CSP: the overview arrives.
  await expect(window.getByRole('heading', { name: 'Users by role and status' })).toBeVisible();
  await signOut(window);

  // A patient registers at the desk and verifies the code mailed to her (a real SMTP server on loopback).
  await window.getByRole('button', { name: 'Create an account' }).click();
  await expect(window.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await window.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await window.getByLabel('First name').fill(PATIENT.firstName);
  await window.getByLabel('Last name').fill(PATIENT.lastName);
  await window.getByLabel('Password', { exact: true }).fill(PATIENT.password);
  await window.getByLabel('Confirm password').fill(PATIENT.password);
  await window.getByRole('button', { name: 'Create account' }).click();
  await expect(window.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const mail = await mailbox.waitFor(PATIENT.email);
  await window.getByLabel('Verification code').fill(codeIn(mail));
  await window.getByRole('button', { name: 'Verify email' }).click();
  await expect(window.getByRole('status').filter({ hasText: 'Your email address is verified' })).toBeVisible();

  // She signs in to her portal, and out again: the window is back on Sign in, for the next person at the desk.
  await signIn(window, PATIENT.email, PATIENT.password);
  await expect(window.getByRole('heading', { name: 'Patient portal', level: 1 })).toBeVisible();
  await expect(window.getByText(`Welcome, ${PATIENT.firstName} ${PATIENT.lastName}.`)).toBeVisible();
  await signOut(window);
  await expect(window.getByRole('status').filter({ hasText: 'You have signed out.' })).toBeVisible();
});

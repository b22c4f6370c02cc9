// The journey of the walking skeleton, by keyboard and mouse in Chromium, through the real browser preview.
import { codeIn } from '../support/smtp';
import { checkScreen, expect, test } from './fixtures';
import { createAdmin } from './people';
import { enrollOnScreen } from './two-factor';

test('a patient registers, verifies the emailed code, signs in to the patient portal and signs out', async ({
  page,
  preview,
}) => {
  // An administrator exists (else the first-run setup would show).
  createAdmin(preview);
  await page.goto(preview.url);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // The one-time token leaves the address bar as soon as it is used.
  expect(page.url()).not.toContain('token=');
  await checkScreen(page, '01-sign-in');

  await page.getByRole('button', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill('ada@example.org');
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Phone (optional)').fill('+44 20 7946 0958');
  await page.getByLabel('Password', { exact: true }).fill('lovelace');
  await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await page.getByLabel('Confirm password').fill('correct horse battery stable');
  await expect(page.getByText('The passwords do not match.')).toBeVisible();
  await page.getByLabel('Confirm password').fill('correct horse battery staple');
  await checkScreen(page, '02-register');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByText('ada@example.org')).toBeVisible();
  await checkScreen(page, '03-verify-email');
  const code = codeIn(await preview.mailbox.waitFor('ada@example.org'));

  // A wrong code first: the person is told plainly, and can try again.
  await page.getByLabel('Verification code').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Verify email' }).click();
  await expect(page.getByRole('alert')).toContainText('That code is not valid');
  await checkScreen(page, '04-verify-email-wrong-code');
  await page.getByLabel('Verification code').fill(code);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue('ada@example.org');
  await page.getByLabel('Password', { exact: true }).fill('not my password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await checkScreen(page, '05-sign-in-wrong-password');
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('heading', { name: 'Patient portal' })).toBeVisible();
  await expect(page.getByText('Ada Lovelace', { exact: true })).toBeVisible();
  await expect(page.getByText('Patient', { exact: true }).first()).toBeVisible();
  await checkScreen(page, '06-patient-portal');

  // A reload keeps the session: the core holds it for this window, the page holds no secret.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Patient portal' })).toBeVisible();
  const storage = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + document.cookie');
  expect(storage).not.toMatch(/token|session/i);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('an administrator created with the command line signs in, sets up two-step verification, and reaches the administrator portal', async ({
  page,
  preview,
}) => {
  const created = preview.admin(
    [
      'create-admin',
      '--email',
      'grace@clinic.example',
      '--first-name',
      'Grace',
      '--last-name',
      'Hopper',
      '--password-stdin',
    ],
    'quiet harbour lantern 42\n',
  );
  expect(created.status, created.stderr).toBe(0);

  await page.goto(preview.url);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email', { exact: true }).focus();
  await page.keyboard.type('grace@clinic.example');
  await page.keyboard.press('Tab');
  await page.keyboard.type('quiet harbour lantern 42');
  await page.keyboard.press('Enter');

  // Administrators must use two-step verification: they set it up right after their first password.
  await enrollOnScreen(page, 'grace@clinic.example');
  await expect(page.getByRole('heading', { name: 'Administrator portal' })).toBeVisible();
  await expect(page.getByText('Grace Hopper', { exact: true })).toBeVisible();
  await checkScreen(page, '07-admin-portal');
});

test('the preview URL works once: a second browser with the same token gets no connection', async ({
  browser,
  preview,
}) => {
  createAdmin(preview);
  const first = await (await browser.newContext()).newPage();
  await first.goto(preview.url);
  await expect(first.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  const second = await (await browser.newContext()).newPage();
  await second.goto(preview.url);
  // Without a connection to the core the app cannot sign anyone in; it says the service is unavailable.
  await expect(second.getByText(/not available/i)).toBeVisible();
  await checkScreen(second, '08-preview-token-spent');
});

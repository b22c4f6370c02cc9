// The front-desk kiosk (issue 8, item 7) in Chromium through the preview, turned on the way IT does it: a machine
// policy file with kioskMode. A patient registers and verifies the email at the kiosk; two minutes without input
// start over with the form cleared (Playwright's fake clock, no waiting); an administrator's password takes the
// window out of kiosk to the normal Sign in; a session's end and "Return to kiosk" bring the kiosk back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeIn } from '../support/smtp';
import { checkScreen, expect as baseExpect, test } from './fixtures';
import { ADMIN, PATIENT, createAdmin, signIn } from './people';

const policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-e2e-kiosk-'));
const POLICY_FILE = path.join(policyDir, 'policy.json');
fs.writeFileSync(POLICY_FILE, JSON.stringify({ kioskMode: true }));
test.afterAll(() => fs.rmSync(policyDir, { recursive: true, force: true }));
test.use({ previewEnv: { HEALTHSPHERE_POLICY: POLICY_FILE } });
// Registration hashes a password and brings the password dictionaries: on a busy two-core machine that can take
// longer than the default five seconds.
const expect = baseExpect.configure({ timeout: 20_000 });

test('a patient registers and verifies at the kiosk; idle starts over; an administrator exits, and the kiosk comes back', async ({
  page,
  preview,
}) => {
  createAdmin(preview);
  // The page's timers and Date run on a clock the test can move: two minutes pass without waiting for them.
  await page.clock.install();
  await page.goto(preview.url);

  const start = page.getByRole('heading', { name: 'Welcome to the clinic' });
  await expect(start).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Staff: exit kiosk' })).toBeVisible();
  await checkScreen(page, '80-kiosk-start');

  // Registration: the app's own screen, with its way back going to the kiosk's start.
  await page.getByRole('button', { name: 'Register as a new patient' }).click();
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Back to start' })).toBeVisible();
  await expect(page.getByText('Already have an account?')).toHaveCount(0);
  await page.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await page.getByLabel('First name').fill(PATIENT.firstName);
  await page.getByLabel('Last name').fill(PATIENT.lastName);
  await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
  await page.getByLabel('Confirm password').fill(PATIENT.password);
  await checkScreen(page, '81-kiosk-register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const code = codeIn(await preview.mailbox.waitFor(PATIENT.email));

  // The patient goes to find the email on their phone: back to the start, then "I have a verification code".
  await page.getByRole('button', { name: 'Back to start' }).click();
  await expect(start).toBeVisible();
  await page.getByRole('button', { name: 'I have a verification code' }).click();
  await expect(page.getByRole('heading', { name: 'Enter your verification code' })).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await checkScreen(page, '82-kiosk-code-email');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Verify email' }).click();
  await expect(page.getByRole('heading', { name: 'You are registered' })).toBeVisible();
  await checkScreen(page, '83-kiosk-done');
  await page.getByRole('button', { name: 'Finish' }).click();
  await expect(start).toBeVisible();

  // The next person starts typing and walks away: a warning 30 seconds before, then the start, the form empty.
  await page.getByRole('button', { name: 'Register as a new patient' }).click();
  await page.getByLabel('Email', { exact: true }).fill('someone.else@example.org');
  await page.getByLabel('First name').fill('Someone');
  await page.getByLabel('Password', { exact: true }).fill('a half typed secret');
  const warning = page.getByRole('alert').filter({ hasText: 'Are you still there?' });
  await page.clock.fastForward(60_000);
  await expect(warning).toHaveCount(0);
  await page.clock.fastForward(35_000);
  await expect(warning).toBeVisible();
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue('someone.else@example.org');
  await checkScreen(page, '84-kiosk-idle-warning');
  // "I am still here" keeps the form; then, untouched, the full two minutes clear it.
  // Without moving the mouse: a pointer moving over the page is itself activity and would hide the warning (the
  // same outcome) before a mouse click landed, leaving Playwright retrying a button that is gone.
  await warning.getByRole('button', { name: 'I am still here' }).dispatchEvent('click');
  await expect(warning).toHaveCount(0);
  await expect(page.getByLabel('First name')).toHaveValue('Someone');
  await page.clock.fastForward(91_000);
  await expect(warning).toBeVisible();
  await page.clock.fastForward(30_000);
  await expect(start).toBeVisible();
  await expect(warning).toHaveCount(0);
  await page.getByRole('button', { name: 'Register as a new patient' }).click();
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('First name')).toHaveValue('');
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await page.getByRole('button', { name: 'Back to start' }).click();

  // Staff: by keyboard, the exit dialog. The patient's own password is not an administrator's.
  await page.getByRole('button', { name: 'Staff: exit kiosk' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Exit kiosk mode' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Administrator email')).toBeFocused();
  await checkScreen(page, '85-kiosk-exit-dialog');
  await dialog.getByLabel('Administrator email').fill(PATIENT.email);
  await dialog.getByLabel('Password', { exact: true }).fill(PATIENT.password);
  await dialog.getByRole('button', { name: 'Exit kiosk mode' }).click();
  await expect(dialog.getByRole('alert')).toContainText('The email or password is incorrect.');
  await expect(dialog.getByLabel('Password', { exact: true })).toHaveValue('');
  await checkScreen(page, '86-kiosk-exit-refused');
  // Cancel drops what was typed.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await page.getByRole('button', { name: 'Staff: exit kiosk' }).click();
  await expect(dialog.getByLabel('Administrator email')).toHaveValue('');

  await dialog.getByLabel('Administrator email').fill(ADMIN.email);
  await dialog.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.keyboard.press('Enter');

  // Out of kiosk: the normal Sign in, a notice, and "Return to kiosk" in the corner.
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Kiosk mode is off in this window.')).toBeVisible();
  const corner = page.getByRole('complementary', { name: 'Kiosk mode' });
  await expect(corner.getByRole('button', { name: 'Return to kiosk' })).toBeVisible();
  await checkScreen(page, '87-kiosk-off-sign-in');

  // Someone signs in at the desk; signing out brings the kiosk back.
  await signIn(page, PATIENT.email, PATIENT.password);
  await expect(page.getByRole('heading', { name: 'Patient portal' })).toBeVisible();
  await expect(corner.getByRole('button', { name: 'Sign out and return to kiosk' })).toBeVisible();
  await checkScreen(page, '88-kiosk-off-portal');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(start).toBeVisible();

  // Out again, and straight back with the corner's button.
  await page.getByRole('button', { name: 'Staff: exit kiosk' }).click();
  await dialog.getByLabel('Administrator email').fill(ADMIN.email);
  await dialog.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await dialog.getByRole('button', { name: 'Exit kiosk mode' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await corner.getByRole('button', { name: 'Return to kiosk' }).click();
  await expect(start).toBeVisible();

  // A reload is still the kiosk: the core decides, not the page.
  await page.reload();
  await expect(start).toBeVisible();

  // Every step is in the audit trail.
  const audit = preview.admin(['audit', 'export', '--out', path.join(policyDir, 'audit.csv')]);
  expect(audit.status, audit.stderr).toBe(0);
  const csv = fs.readFileSync(path.join(policyDir, 'audit.csv'), 'utf8');
  expect(csv).toContain('KIOSK_EXITED');
  expect(csv).toMatch(/KIOSK_ENTERED.*session_ended/);
  expect(csv).toMatch(/KIOSK_ENTERED.*requested/);
  expect(csv).toMatch(/LOGIN_FAILED.*kiosk\.exit/);
});

// Two-step verification (issue 4) in Chromium through the real browser preview, enrolled the way a person does:
// the QR code is read from a screenshot by zbarimg and every code comes from oathtool.
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { codeIn } from '../support/smtp';
import { checkScreen, expect, test, type Preview } from './fixtures';
import { ADMIN, createAdmin, PATIENT, registerPatient, signIn, signOut } from './people';
import {
  answerCodePrompt,
  enrollOnScreen,
  readBackupCodes,
  saveBackupCodesAndContinue,
  type Enrolled,
} from './two-factor';

function twoFactorSection(page: Page) {
  return page.getByRole('region', { name: 'Two-step verification' });
}

function alert(page: Page) {
  return page.getByRole('alert');
}

async function expectPortal(page: Page, name = 'Patient portal'): Promise<void> {
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}

async function openSecurity(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Security' }).click();
  await expect(twoFactorSection(page).getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
}

/** The patient registers, signs in, and turns two-step verification on from the Security tab; ends there. */
async function patientWithTwoFactor(
  page: Page,
  preview: Preview,
  screens: { off?: string; setup?: string; wrongCode?: string; codes?: string; on?: string } = {},
): Promise<Enrolled> {
  // An administrator exists (else the first-run setup would show).
  createAdmin(preview);
  await page.goto(preview.url);
  await registerPatient(page, preview);
  await signIn(page, PATIENT.email, PATIENT.password);
  await expectPortal(page);
  await openSecurity(page);
  const section = twoFactorSection(page);
  await expect(section.getByText('Off', { exact: true })).toBeVisible();
  if (screens.off) await checkScreen(page, screens.off);
  await section.getByRole('button', { name: 'Set up two-step verification' }).click();
  const enrolled = await enrollOnScreen(page, PATIENT.email, screens);
  // Back on the portal's Security tab, with the codes counted.
  await expectPortal(page);
  await expect(page.getByRole('status').first()).toContainText('Two-step verification is on.');
  await expect(section.getByText('On — 10 backup codes left')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Turn off two-step verification' })).toBeVisible();
  if (screens.on) await checkScreen(page, screens.on);
  expect((await preview.mailbox.waitFor(PATIENT.email, 3)).subject).toBe('Two-step verification is on');
  return enrolled;
}

async function useBackupCode(page: Page, code: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();
  if (await page.getByRole('button', { name: 'Use a backup code' }).isVisible())
    await page.getByRole('button', { name: 'Use a backup code' }).click();
  await expect(page.getByLabel('Backup code')).toBeFocused();
  await page.getByLabel('Backup code').fill(code);
  await page.getByRole('button', { name: 'Use backup code', exact: true }).click();
}

test('a patient turns on two-step verification from the Security tab, then signs in with a code from oathtool', async ({
  page,
  preview,
}) => {
  test.setTimeout(180_000);
  const { authenticator } = await patientWithTwoFactor(page, preview, {
    off: '30-security-two-factor-off',
    setup: '31-two-factor-setup',
    wrongCode: '32-two-factor-setup-wrong-code',
    codes: '33-backup-codes',
    on: '34-security-two-factor-on',
  });
  // Nothing of the key or the codes is kept in the page's storage.
  const storage = await page.evaluate<string>('JSON.stringify({ ...localStorage, ...sessionStorage })');
  expect(storage).not.toMatch(/[A-Z2-7]{32}|[A-Z2-9]{5}-[A-Z2-9]{5}/);

  await signOut(page);
  await signIn(page, PATIENT.email, PATIENT.password);
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Authentication code')).toBeFocused();
  await checkScreen(page, '35-two-factor-code');
  // A reload resumes the same step: the password is not asked again.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();

  // Letters are refused at the field; a wrong code by the core, with its message.
  await page.getByLabel('Authentication code').fill('12345a');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByText('Enter the 6-digit code from your authenticator app.')).toBeVisible();
  const wrong = authenticator.wrongCode();
  await page.getByLabel('Authentication code').fill(`${wrong.slice(0, 3)} ${wrong.slice(3)}`);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(alert(page)).toContainText(
    'That code is not valid. Enter the current code from your authenticator app, or a backup code.',
  );
  await expect(page.getByLabel('Authentication code')).toBeFocused();
  await checkScreen(page, '36-two-factor-code-wrong');

  await answerCodePrompt(page, authenticator);
  await expectPortal(page);

  // The same code again, at the next sign-in: its time step is spent, so it is refused.
  await signOut(page);
  await signIn(page, PATIENT.email, PATIENT.password);
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();
  await page.getByLabel('Authentication code').fill(authenticator.lastCode!);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(alert(page)).toContainText('That code is not valid.');
  await answerCodePrompt(page, authenticator);
  await expectPortal(page);

  // Giving up half-way ends the pending sign-in.
  await signOut(page);
  await signIn(page, PATIENT.email, PATIENT.password);
  await page.getByRole('button', { name: 'Cancel sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Sign-in was cancelled.');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // Five wrong codes end the pending sign-in: back to Sign in, told why.
  await signIn(page, PATIENT.email, PATIENT.password);
  const code = page.getByLabel('Authentication code');
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    await code.fill(authenticator.wrongCode());
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    if (attempt < 5) await expect(code).toHaveValue('');
  }
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your session has ended. Please sign in again.');
});

test('a backup code signs in once and says how many are left; the same code is refused the next time', async ({
  page,
  preview,
}) => {
  test.setTimeout(120_000);
  const { backupCodes } = await patientWithTwoFactor(page, preview);
  await signOut(page);

  await signIn(page, PATIENT.email, PATIENT.password);
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Use a backup code' }).click();
  await expect(page.getByLabel('Backup code')).toBeFocused();
  await checkScreen(page, '37-two-factor-backup-code');
  // Typed as people do: lower case, without the dash.
  await useBackupCode(page, backupCodes[0]!.toLowerCase().replace('-', ''));
  await expectPortal(page);
  await expect(page.getByRole('status').first()).toContainText('You have 9 backup codes left.');
  await checkScreen(page, '38-portal-backup-codes-left');
  expect((await preview.mailbox.waitFor(PATIENT.email, 4)).subject).toBe('A backup code was used to sign in');
  await openSecurity(page);
  await expect(twoFactorSection(page).getByText('On — 9 backup codes left')).toBeVisible();
  await signOut(page);

  await signIn(page, PATIENT.email, PATIENT.password);
  await useBackupCode(page, backupCodes[0]!);
  await expect(alert(page)).toContainText('That code is not valid.');
  await expect(page.getByLabel('Backup code')).toBeFocused();
  await useBackupCode(page, backupCodes[1]!);
  await expectPortal(page);
  await expect(page.getByRole('status').first()).toContainText('You have 8 backup codes left.');
});

test('new backup codes can be copied, saved as a file and printed; the old codes stop working', async ({
  page,
  preview,
}) => {
  test.setTimeout(150_000);
  const { authenticator, backupCodes: oldCodes } = await patientWithTwoFactor(page, preview);
  const section = twoFactorSection(page);
  await section.getByRole('button', { name: 'Make new backup codes' }).click();
  await expect(section.getByLabel('Authentication code')).toBeFocused();
  await expect(section.getByRole('button', { name: 'Turn off two-step verification' })).toHaveCount(0);
  await checkScreen(page, '39-security-make-new-backup-codes');
  await section.getByLabel('Authentication code').fill(await authenticator.nextCode());
  await section.getByRole('button', { name: 'Make new backup codes' }).click();

  await expect(page.getByRole('heading', { name: 'Save your backup codes', level: 1 })).toBeVisible();
  await expect(page.getByText('These codes replace your earlier backup codes, which no longer work.')).toBeVisible();
  const newCodes = await readBackupCodes(page);
  expect(newCodes.filter((c) => oldCodes.includes(c))).toEqual([]);

  // Copy: the codes reach the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy codes' }).click();
  await expect(page.getByRole('status')).toContainText('The backup codes were copied.');
  const copied = await page.evaluate<string>('navigator.clipboard.readText()');
  for (const c of newCodes) expect(copied).toContain(c);
  // Save as text file: a download with every code.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save as text file' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('healthsphere-backup-codes.txt');
  const file = fs.readFileSync(await download.path(), 'utf8');
  for (const c of newCodes) expect(file).toContain(c);
  expect(file).toContain(PATIENT.email);
  // Print: the browser's print dialog (recorded here instead of opened).
  await page.evaluate("window.print = () => document.body.setAttribute('data-printed', 'yes')");
  await page.getByRole('button', { name: 'Print' }).click();
  await expect(page.locator('body')).toHaveAttribute('data-printed', 'yes');
  await checkScreen(page, '40-new-backup-codes');
  await saveBackupCodesAndContinue(page);

  await expectPortal(page);
  await expect(page.getByRole('status').first()).toContainText('Your new backup codes are ready.');
  await expect(section.getByText('On — 10 backup codes left')).toBeVisible();
  expect((await preview.mailbox.waitFor(PATIENT.email, 4)).subject).toBe('New backup codes were made');
  await signOut(page);

  await signIn(page, PATIENT.email, PATIENT.password);
  await useBackupCode(page, oldCodes[2]!);
  await expect(alert(page)).toContainText('That code is not valid.');
  await useBackupCode(page, newCodes[2]!);
  await expectPortal(page);
  await expect(page.getByRole('status').first()).toContainText('You have 9 backup codes left.');
});

test('two-step verification is turned off with the password and a code; then the password alone signs in', async ({
  page,
  preview,
}) => {
  test.setTimeout(150_000);
  const { authenticator } = await patientWithTwoFactor(page, preview);
  const section = twoFactorSection(page);
  await section.getByRole('button', { name: 'Turn off two-step verification' }).click();
  await expect(section.getByLabel('Password', { exact: true })).toBeFocused();
  await expect(section.getByRole('button', { name: 'Make new backup codes' })).toHaveCount(0);

  // A wrong password is said at its field; the code is not spent.
  await section.getByLabel('Password', { exact: true }).fill('not my password');
  await section.getByLabel('Authentication code').fill(await authenticator.nextCode());
  await section.getByRole('button', { name: 'Turn off two-step verification' }).click();
  await expect(section.getByText('This is not your password.')).toBeVisible();
  await expect(section.getByLabel('Password', { exact: true })).toBeFocused();
  await checkScreen(page, '41-security-turn-off-two-factor');

  await section.getByLabel('Password', { exact: true }).fill(PATIENT.password);
  await section.getByRole('button', { name: 'Turn off two-step verification' }).click();
  await expect(section.getByRole('status')).toContainText('Two-step verification is off.');
  await expect(section.getByText('Off', { exact: true })).toBeVisible();
  await expect(section.getByRole('button', { name: 'Set up two-step verification' })).toBeVisible();
  await checkScreen(page, '42-security-two-factor-turned-off');
  expect((await preview.mailbox.waitFor(PATIENT.email, 4)).subject).toBe('Two-step verification is off');

  await signOut(page);
  await signIn(page, PATIENT.email, PATIENT.password);
  await expectPortal(page);
});

test('a password reset of an account with two-step verification asks for a code from the app or a backup code', async ({
  page,
  preview,
}) => {
  test.setTimeout(150_000);
  const newPassword = 'violet tundra marble 93';
  const { authenticator, backupCodes } = await patientWithTwoFactor(page, preview);
  await signOut(page);

  await page.getByRole('button', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await page.getByRole('button', { name: 'Send reset code' }).click();
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  const code = codeIn(await preview.mailbox.waitFor(PATIENT.email, 4));
  await page.getByLabel('Reset code').fill(code);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();

  // The emailed code alone is not enough: one more field, and what to put in it.
  const secondFactor = page.getByLabel('Authentication code or backup code');
  await expect(secondFactor).toBeFocused();
  await expect(page.getByRole('status')).toContainText('This account uses two-step verification.');
  await checkScreen(page, '43-reset-password-second-factor');
  await secondFactor.fill('ZZZZZ-ZZZZZ');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(alert(page)).toContainText('That code is not valid.');
  await expect(secondFactor).toBeFocused();
  await secondFactor.fill(backupCodes[0]!);
  await page.getByRole('button', { name: 'Set new password' }).click();

  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your password was changed.');
  await signIn(page, PATIENT.email, newPassword);
  await answerCodePrompt(page, authenticator);
  await expectPortal(page);
});

test('an administrator sets up two-step verification at first sign-in, then resets a patient’s at another desk', async ({
  page,
  browser,
  preview,
}) => {
  test.setTimeout(180_000);
  await patientWithTwoFactor(page, preview);

  // The administrator, at another desk (another browser context).
  const desk = await browser.newContext();
  const admin = await desk.newPage();
  await admin.goto(await preview.newWindowUrl());
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin.getByRole('heading', { name: 'Set up two-step verification', level: 1 })).toBeVisible();
  await expect(admin.getByText('Your role must use two-step verification.')).toBeVisible();
  // Nothing else is reachable before it is set up, and a reload comes back here.
  type Bridge = { api: { twoFactor: { status(input: unknown): Promise<{ ok: boolean; error?: { code: string } }> } } };
  const refused = await admin.evaluate(() => (globalThis as unknown as Bridge).api.twoFactor.status({}));
  expect(refused).toMatchObject({ ok: false, error: { code: 'TWO_FACTOR_REQUIRED' } });
  await admin.reload();
  await enrollOnScreen(admin, ADMIN.email, { setup: '44-admin-two-factor-setup-at-sign-in' });
  await expectPortal(admin, 'Administrator portal');

  // Overview: how the data key is protected (the preview takes it from the environment).
  const system = admin.getByRole('region', { name: 'System status' });
  await expect(system.getByText('Data key protected by: environment')).toBeVisible();
  await expect(system.getByText('Mail: configured')).toBeVisible();
  await checkScreen(admin, '45-admin-overview-system-status');

  // The role requires it, so it cannot be turned off.
  await openSecurity(admin);
  await expect(twoFactorSection(admin).getByText('On — 10 backup codes left')).toBeVisible();
  await expect(twoFactorSection(admin).getByText('Your role requires two-step verification.')).toBeVisible();
  await expect(twoFactorSection(admin).getByRole('button', { name: 'Turn off two-step verification' })).toHaveCount(0);
  await checkScreen(admin, '46-admin-security-two-factor-required');

  await admin.getByRole('tab', { name: 'Accounts' }).click();
  const reset = admin.getByRole('region', { name: 'Reset two-step verification' });
  await reset.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await reset.getByRole('button', { name: 'Reset two-step verification' }).click();
  await expect(reset.getByRole('status')).toContainText(
    'Two-step verification was reset. They will set it up again at their next sign-in.',
  );
  await checkScreen(admin, '47-admin-reset-two-factor');
  await reset.getByRole('button', { name: 'Reset two-step verification' }).click();
  await expect(reset.getByRole('status')).toContainText('That account had no two-step verification.');
  expect((await preview.mailbox.waitFor(PATIENT.email, 4)).subject).toBe('Your two-step verification was reset');

  // The patient's session ended with the reset; the password alone signs in now (patients need not use it).
  await page.getByRole('button', { name: 'Refresh sessions' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn(page, PATIENT.email, PATIENT.password);
  await expectPortal(page);
  await openSecurity(page);
  await expect(twoFactorSection(page).getByText('Off', { exact: true })).toBeVisible();
  await desk.close();
});

test('End session on the Security tab ends the session at another desk', async ({ page, browser, preview }) => {
  test.setTimeout(120_000);
  createAdmin(preview);
  await page.goto(preview.url);
  await registerPatient(page, preview);
  await signIn(page, PATIENT.email, PATIENT.password);
  await expectPortal(page);

  const desk = await browser.newContext();
  const other = await desk.newPage();
  await other.goto(await preview.newWindowUrl());
  await signIn(other, PATIENT.email, PATIENT.password);
  await expectPortal(other);

  await openSecurity(page);
  const sessions = page.getByRole('table', { name: 'Your sessions' });
  await expect(sessions.getByRole('row')).toHaveCount(3); // the header and two sessions
  await expect(sessions.getByText('This session')).toBeVisible();
  await sessions.getByRole('button', { name: /^End session/ }).click();
  await expect(page.getByRole('region', { name: 'Your sessions' }).getByRole('status')).toContainText('was ended.');
  await expect(sessions.getByRole('row')).toHaveCount(2);
  await checkScreen(page, '48-security-other-session-ended');

  // At the other desk, the next request finds the session gone: Sign in, and why.
  await other.getByRole('tab', { name: 'Security' }).click();
  await expect(other.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(other.getByRole('status')).toContainText('Please sign in.');
  await desk.close();
});

// The machine policy on the admin's Settings tab (issue 8, item 3): the preview starts with HEALTHSPHERE_POLICY,
// the settings the policy fixes are shown read-only with "Set by your organization", by keyboard they cannot be
// changed, the others still save, and the registration screen holds patients to the policy's password length.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkScreen, expect, test } from './fixtures';
import { ADMIN, createAdmin, PATIENT, signIn, signOut } from './people';
import { enrollOnScreen } from './two-factor';

const policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-e2e-policy-'));
const POLICY_FILE = path.join(policyDir, 'policy.json');
fs.writeFileSync(
  POLICY_FILE,
  JSON.stringify(
    {
      settings: {
        passwordMinLength: 16,
        passwordRequireComposition: false,
        sessionIdleMinutes: 10,
        twoFactorRequiredRoles: ['admin', 'doctor', 'nurse'],
      },
    },
    null,
    2,
  ),
);
test.afterAll(() => fs.rmSync(policyDir, { recursive: true, force: true }));

test.use({ previewEnv: { HEALTHSPHERE_POLICY: POLICY_FILE } });

const SET_BY = 'Set by your organization';

test('settings fixed by the machine policy are read-only with "Set by your organization"; the others save', async ({
  page,
  preview,
}) => {
  test.setTimeout(180_000);
  // IT checks the file the preview runs with.
  const checked = preview.admin(['policy', 'check']);
  expect(checked.status, checked.stderr).toBe(0);
  expect(checked.stdout).toContain(`Machine policy: ${POLICY_FILE} (named by HEALTHSPHERE_POLICY)`);

  createAdmin(preview);
  await page.goto(preview.url);
  await signIn(page, ADMIN.email, ADMIN.password);
  await enrollOnScreen(page, ADMIN.email);
  await expect(page.getByRole('heading', { name: 'Administrator portal', level: 1 })).toBeVisible();
  await page.getByRole('tab', { name: 'Settings', exact: true }).click();
  const region = page.getByRole('region', { name: 'Security settings' });
  await expect(region.getByRole('heading', { name: 'Security settings' })).toBeVisible();
  await expect(region.getByText('4 settings are set by your organization')).toBeVisible();
  await expect(region.getByText(`${SET_BY}.`, { exact: true })).toHaveCount(4);

  // Each a read-only field: its label and value shown, "Set by your organization" in its description.
  const minLength = page.getByLabel('Minimum password length (characters)', { exact: true });
  await expect(minLength).toHaveValue('16');
  await expect(minLength).toHaveAttribute('readonly', '');
  await expect(minLength).toHaveAccessibleDescription(new RegExp(`^${SET_BY}`));
  const idle = page.getByLabel('Lock the screen after idle (minutes)', { exact: true });
  await expect(idle).toHaveValue('10');
  await expect(idle).toHaveAccessibleDescription(new RegExp(`^${SET_BY}`));
  // By keyboard it can be reached and read, not changed.
  await minLength.focus();
  await expect(minLength).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.type('9');
  await page.keyboard.press('Backspace');
  await expect(minLength).toHaveValue('16');
  // On/off and the roles, in words.
  const composition = page.getByLabel('Require upper-case, lower-case and a digit', { exact: true });
  await expect(composition).toHaveValue('Off');
  await expect(composition).toHaveAttribute('readonly', '');
  await expect(composition).toHaveAccessibleDescription(new RegExp(`^${SET_BY}`));
  const roles = page.getByLabel('Roles that must use two-step verification', { exact: true });
  await expect(roles).toHaveValue('Administrator, Doctor, Nurse');
  await expect(roles).toHaveAttribute('readonly', '');
  // Tab goes from one to the next (each can be read by keyboard and screen reader).
  await composition.focus();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Slow down sign-in after this many failures', { exact: true })).toBeFocused();
  // A setting the policy leaves to the admin has no such words and can be changed.
  const lockout = page.getByLabel('Lock the account after this many failures', { exact: true });
  await expect(lockout).toBeEditable();
  await expect(lockout).not.toHaveAccessibleDescription(new RegExp(SET_BY));
  await lockout.fill('7');
  // From the top, so that the sticky header does not cover the notice in the full-page screenshot.
  await page.evaluate('window.scrollTo(0, 0)');
  await checkScreen(page, '90-admin-settings-set-by-policy');

  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(region.getByRole('status')).toContainText('Settings saved: Lock the account after this many failures.');
  await expect(lockout).toHaveValue('7');
  await expect(minLength).toHaveValue('16');
  await signOut(page);

  // The policy's 16 characters hold at the front desk's registration, while the database's default is 12.
  await page.getByRole('button', { name: 'Create an account' }).click();
  // (Its screen is loaded on demand: give a busy machine time.)
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible({ timeout: 30_000 });
  await page.getByLabel('Email', { exact: true }).fill(PATIENT.email);
  await page.getByLabel('Password', { exact: true }).fill('amber kite 4 u');
  await expect(page.getByText('Use at least 16 characters.')).toBeVisible();
  await checkScreen(page, '91-register-password-length-set-by-policy');
});

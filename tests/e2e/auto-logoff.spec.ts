// Automatic logoff (issue 8, item 2) through the real UI: the preview's standard input plays the operating system
// ("system lock-screen", "system suspend", "system idle <seconds>"), the core locks the session and pushes it to
// this page over its socket, and the Lock screen replaces the portal at once, with no click, saying why.
import type { Page } from '@playwright/test';
import { checkScreen, expect, test } from './fixtures';
import { ADMIN, createAdmin, PATIENT, registerPatient, signIn } from './people';

/** Time allowed for the Lock screen after the signal: the push, one request, one render (on a busy machine). */
const AT_ONCE_MS = 3_000;

const lockedHeading = (page: Page) => page.getByRole('heading', { name: 'Screen locked', level: 1 });

async function unlock(page: Page): Promise<void> {
  await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Patient portal', level: 1 })).toBeVisible();
}

/** Nothing of the portal may stay behind the Lock screen: not on screen, not in the page. */
async function expectNothingOfThePortal(page: Page): Promise<void> {
  const html = await page.content();
  for (const phi of ['Charles Babbage', '1985-12-10', '+44 20 7946 0958', PATIENT.email])
    expect(html).not.toContain(phi);
  await expect(page.getByRole('tab')).toHaveCount(0);
}

test('screen lock, sleep and system idle lock the session at once; the Lock screen says why; the password unlocks', async ({
  page,
  preview,
}) => {
  createAdmin(preview); // past first-run setup
  await page.goto(preview.url);
  await registerPatient(page, preview);
  await signIn(page, PATIENT.email, PATIENT.password);
  await expect(page.getByRole('heading', { name: 'Patient portal', level: 1 })).toBeVisible();
  // Her health information on screen.
  await page.getByRole('tab', { name: 'Profile' }).click();
  await page.getByLabel('Date of birth').fill('1985-12-10');
  await page.getByLabel('Phone', { exact: true }).fill('+44 20 7946 0958');
  await page.getByLabel('Emergency contact name').fill('Charles Babbage');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Your profile is saved.')).toBeVisible();
  await expect(page.getByLabel('Emergency contact name')).toHaveValue('Charles Babbage');

  // The computer's screen locks: no click, no request from the page; the core says so.
  preview.system('lock-screen');
  await expect(lockedHeading(page)).toBeVisible({ timeout: AT_ONCE_MS });
  await expect(page.getByText('Locked because this computer’s screen was locked.')).toBeVisible();
  await expect(page.getByText('Locked for Ada Lovelace. Only they can unlock it.')).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await expectNothingOfThePortal(page);
  await checkScreen(page, '80-lock-screen-screen-locked');
  await unlock(page);

  // The computer goes to sleep.
  preview.system('suspend');
  await expect(lockedHeading(page)).toBeVisible({ timeout: AT_ONCE_MS });
  await expect(page.getByText('Locked because this computer went to sleep.')).toBeVisible();
  await expectNothingOfThePortal(page);
  await checkScreen(page, '81-lock-screen-suspend');
  // A reload keeps the lock, and its reason.
  await page.reload();
  await expect(lockedHeading(page)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('Locked because this computer went to sleep.')).toBeVisible();
  await unlock(page);

  // Nobody touched the computer for the idle time (15 minutes by default): the core reads it every 5 seconds.
  preview.system(`idle ${15 * 60 - 1}`);
  await page.waitForTimeout(6_000);
  await expect(page.getByRole('heading', { name: 'Patient portal', level: 1 })).toBeVisible();
  preview.system(`idle ${15 * 60}`);
  await expect(lockedHeading(page)).toBeVisible({ timeout: 5_000 + AT_ONCE_MS });
  await expect(page.getByText('Locked because nobody used this computer for a while.')).toBeVisible();
  await expectNothingOfThePortal(page);
  await checkScreen(page, '82-lock-screen-system-idle');
  preview.system('idle 0');
  await unlock(page);
});

test('a sign-in still setting up two-step verification ends when the screen locks: its secret leaves the screen', async ({
  page,
  preview,
}) => {
  createAdmin(preview);
  await page.goto(preview.url);
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole('heading', { name: 'Set up two-step verification', level: 1 })).toBeVisible();
  await expect(page.getByTestId('totp-qr')).toBeVisible();

  preview.system('lock-screen');
  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible({ timeout: AT_ONCE_MS });
  await expect(page.getByRole('status')).toContainText(
    'The sign-in was ended because this computer was locked, went to sleep or was left unused. Sign in again.',
  );
  await expect(page.getByTestId('totp-qr')).toHaveCount(0);
  await checkScreen(page, '83-sign-in-after-auto-logoff');
});

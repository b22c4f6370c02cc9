// Issue 6 end to end: the administrator's audit trail screen. Events of what just happened, filters (and a refused
// date range), an event's full detail, a CSV export written to disk, verification of the chain, and a checkpoint
// that is downloaded and then used to verify again.
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { checkScreen, expect, test } from './fixtures';
import { ADMIN, createAdmin, signIn } from './people';
import { enrollOnScreen } from './two-factor';

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
}

/** checkScreen from the top of the page, where the fixed header covers nothing in a full-page screenshot. */
async function screen(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await checkScreen(page, name);
}

/** The text of one column in every row of the events table. */
async function column(page: Page, index: number): Promise<string[]> {
  const rows = page.getByRole('table', { name: 'Audit events' }).locator('tbody tr');
  return (await rows.locator(`td:nth-child(${index + 1})`).allTextContents()).map((t) => t.trim());
}

test('an administrator searches the audit trail, opens an event, exports CSV, verifies the chain and keeps a checkpoint', async ({
  page,
  preview,
}) => {
  test.setTimeout(180_000);
  createAdmin(preview);
  await page.goto(preview.url);

  // One failed sign-in first, for the chart and the filters to find.
  await signIn(page, ADMIN.email, 'not the right password at all');
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await enrollOnScreen(page, ADMIN.email);
  await expect(page.getByRole('heading', { name: 'Administrator portal', level: 1 })).toBeVisible();
  // The overview's chart (the same chart component as the audit trail's) and no placeholder for the audit trail.
  await expect(page.getByRole('img', { name: 'Failed sign-ins and lockouts per day' })).toBeVisible();
  await expect(page.getByText('will appear here')).toHaveCount(0);

  // The tab: auditing cannot be turned off, the retention, and what just happened.
  await openTab(page, 'Audit trail');
  await expect(page.getByRole('heading', { name: 'Audit trail', level: 2 })).toBeVisible();
  await expect(page.getByText('Auditing is always on and cannot be turned off')).toBeVisible();
  await expect(page.getByText(/Events are kept for at least 6 years\. The trail holds \d+ events/)).toBeVisible();
  const table = page.getByRole('table', { name: 'Audit events' });
  await expect(table).toContainText('LOGIN_FAILED');
  await expect(table).toContainText('LOGIN');
  await expect(table).toContainText(ADMIN.email);
  // Newest first: the sequence numbers go down.
  const seqs = (await column(page, 0)).map((s) => Number(s.replace('#', '')));
  expect(seqs.length).toBeGreaterThan(2);
  expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
  await expect(page.getByRole('img', { name: 'Audit events per day' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Failed sign-ins per day' })).toBeVisible();
  await expect(
    page
      .getByRole('region', { name: 'Failed sign-ins per day, last 30 days' })
      .getByRole('paragraph')
      .filter({ hasText: /^Over the last 30 days: 1 failed sign-in; the most, 1, on \d{4}-\d{2}-\d{2}\.$/ }),
  ).toBeVisible();
  await screen(page, '70-audit-trail');

  // Filters: successful sign-ins only, oldest first.
  await page.getByLabel('Action', { exact: true }).selectOption('LOGIN');
  await page.getByLabel('Outcome', { exact: true }).selectOption('success');
  await page.getByLabel('Sort', { exact: true }).selectOption('oldest');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect.poll(async () => [...new Set(await column(page, 3))]).toEqual(['LOGIN']);
  expect([...new Set(await column(page, 4))]).toEqual(['Success']);
  await expect(page.getByRole('button', { name: 'Next page' })).toBeDisabled();
  await screen(page, '71-audit-filtered');

  // The event's detail, opened from the keyboard.
  const open = table.getByRole('button', { name: /^Open event #\d+$/ });
  const seq = ((await open.textContent()) ?? '').replace('#', '').trim();
  await open.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Event #${seq}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText('MAC valid: this event is as it was recorded.')).toBeVisible();
  const detail = dialog.getByRole('table', { name: `Every field of event #${seq}` });
  for (const field of ['Sequence number', 'Session (hashed)', 'Operating system user', 'App version', 'MAC']) {
    await expect(detail.getByRole('rowheader', { name: field, exact: true })).toBeVisible();
  }
  await expect(detail.getByRole('row', { name: /^Action/ })).toContainText('LOGIN');
  await expect(detail.getByRole('row', { name: /^User / }).first()).toContainText(ADMIN.email);
  await expect(detail.getByRole('row', { name: /^MAC/ })).toContainText(/[0-9a-f]{64}/);
  await checkScreen(page, '72-audit-event');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();

  // A date range that ends before it starts: the core refuses it, and the form says so at the field.
  await page.getByLabel('From date').fill('2026-03-10');
  await page.getByLabel('To date').fill('2026-03-01');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByText('The end of the date range is before its start.')).toBeVisible();
  await expect(page.getByLabel('To date')).toBeFocused();
  await expect(page.getByLabel('To date')).toHaveAttribute('aria-invalid', 'true');
  await screen(page, '73-audit-date-range-refused');

  // Clear: every event again, newest first.
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(page.getByLabel('From date')).toHaveValue('');
  await expect(page.getByText('The end of the date range is before its start.')).toBeHidden();
  await expect(table).toContainText('LOGIN_FAILED');

  // Export CSV of all events: a file on disk that starts with a header.
  await page.getByRole('button', { name: 'Export CSV' }).click();
  await expect(page.getByText(/^Export finished: \d+ events, /)).toBeVisible({ timeout: 30_000 });
  const file = ((await page.getByTestId('audit-export-path').textContent()) ?? '').trim();
  expect(file).toMatch(/\.csv$/);
  expect(fs.existsSync(file)).toBe(true);
  const header = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
  expect(header).toMatch(/seq/i);
  expect(header).toMatch(/action/i);
  expect(header).not.toContain(ADMIN.email);

  // Verify: the chain is intact.
  await page.getByRole('button', { name: 'Verify integrity' }).click();
  await expect(page.getByText(/^All \d+ events verified; the chain is intact\.$/)).toBeVisible({ timeout: 30_000 });

  // A checkpoint, downloaded as a file, then used to verify again.
  await page.getByRole('button', { name: 'Create checkpoint' }).click();
  await expect(page.getByText(/^Checkpoint at event #\d+, created /)).toBeVisible();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download checkpoint' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^healthsphere-audit-checkpoint-\d+\.json$/);
  const checkpointPath = await download.path();
  const checkpoint = JSON.parse(fs.readFileSync(checkpointPath, 'utf8')) as { format: string; seq: number };
  expect(checkpoint.format).toBe('healthsphere-audit-checkpoint');
  expect(download.suggestedFilename()).toBe(`healthsphere-audit-checkpoint-${checkpoint.seq}.json`);

  await page.getByLabel('Checkpoint file (optional)').setInputFiles(checkpointPath);
  await page.getByRole('button', { name: 'Verify integrity' }).click();
  await expect(
    page.getByText(
      new RegExp(
        `^All \\d+ events verified; the chain is intact\\. It still reaches the checkpoint at event #${checkpoint.seq}`,
      ),
    ),
  ).toBeVisible({ timeout: 30_000 });
  await screen(page, '74-audit-export-verify-checkpoint');
});

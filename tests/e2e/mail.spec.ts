// Issue 9 end to end: an administrator sets up mail on the Mail tab. The clinic's name, sender, portal link and
// logo; a mail server on another computer (this computer's non-loopback address, STARTTLS with a certificate from
// a throwaway CA pasted as the trusted certificate) holds mail until a Business Associate Agreement is confirmed,
// while the test mail goes at once; back to the relay on this computer; the delivery log, searched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Locator, Page } from '@playwright/test';
import { firstNonLoopbackIPv4, testCertificates } from '../support/certificates';
import { codeIn, TestMailbox } from '../support/smtp';
import { checkScreen, expect, test } from './fixtures';
import { ADMIN, createAdmin, signIn } from './people';
import { enrollOnScreen } from './two-factor';

const CLINIC = 'Riverside Clinic';
const INVITEE = { email: 'jo@clinic.example', firstName: 'Jo', lastName: 'March' };

/** A small PNG logo made here. */
function logo(): Buffer {
  const png = new PNG({ width: 48, height: 24 });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = 15;
    png.data[i + 1] = 113;
    png.data[i + 2] = 120;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
}

/**
 * Presses a button of an action that may ask for the password again (its channel needs a fresh sign-in): confirms
 * it when asked, then waits for what the action shows when done.
 */
async function withReauth(page: Page, button: Locator, done: Locator): Promise<void> {
  await button.click();
  const dialog = page.getByRole('dialog', { name: 'Confirm your password' });
  await expect(done.or(dialog).first()).toBeVisible();
  if (await dialog.isVisible()) {
    await dialog.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
  }
  await expect(done).toBeVisible();
}

test('an administrator sets up mail: settings, a Business Associate Agreement, a test mail and the delivery log', async ({
  page,
  preview,
}) => {
  test.setTimeout(300_000);
  const certificates = testCertificates();
  // "Another computer": a mail server on this computer's non-loopback address, offering STARTTLS.
  const remote = new TestMailbox({
    security: 'starttls',
    key: certificates.serverKey,
    cert: certificates.serverCert,
    host: firstNonLoopbackIPv4(),
  });
  await remote.start();
  try {
    createAdmin(preview);
    await page.goto(preview.url);
    await signIn(page, ADMIN.email, ADMIN.password);
    await enrollOnScreen(page, ADMIN.email);
    await expect(page.getByRole('heading', { name: 'Administrator portal', level: 1 })).toBeVisible();

    // The Mail tab: the server comes from HEALTHSPHERE_SMTP_URL (the preview's loopback mailbox) until saved here.
    await openTab(page, 'Mail');
    const delivery = page.getByRole('region', { name: 'Mail delivery' });
    const settings = page.getByRole('region', { name: 'Mail settings' });
    const testMail = page.getByRole('region', { name: 'Send a test mail' });
    const log = page.getByRole('region', { name: 'Delivery log' });
    await expect(settings.getByText('comes from HEALTHSPHERE_SMTP_URL on this computer')).toBeVisible();
    await expect(settings.getByLabel('Mail server', { exact: true })).toHaveValue(preview.mailbox.host);
    await expect(delivery.getByText('A relay on this computer needs no agreement.')).toBeVisible();
    await expect(settings.getByText('No password kept.')).toBeVisible();
    await checkScreen(page, '64-mail-tab');

    // What every mail shows: the clinic's name, sender, portal link and logo.
    await settings.getByLabel('Clinic name', { exact: true }).fill(CLINIC);
    await settings.getByLabel('Sender name', { exact: true }).fill(`${CLINIC} front desk`);
    await settings.getByLabel('Sender address', { exact: true }).fill('no-reply@clinic.example');
    await settings.getByLabel('Portal link', { exact: true }).fill('http://portal.clinic.example');
    await settings.getByRole('button', { name: 'Save mail settings' }).click();
    await expect(settings.getByText('Enter a link that starts with https://')).toBeVisible();
    await expect(settings.getByLabel('Portal link', { exact: true })).toBeFocused();
    await settings.getByLabel('Portal link', { exact: true }).fill('https://portal.clinic.example');
    await settings
      .getByLabel('Logo, optional')
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo() });
    await expect(settings.getByRole('img', { name: `Logo of ${CLINIC}` })).toBeVisible();
    await expect(settings.getByText('New logo (logo.png): it is kept when you save.')).toBeVisible();
    await withReauth(
      page,
      settings.getByRole('button', { name: 'Save mail settings' }),
      settings.getByRole('status').filter({ hasText: 'Mail settings saved' }),
    );
    await expect(settings.getByRole('status').filter({ hasText: 'Mail settings saved' })).toContainText(
      'Sender name; Sender address; Clinic name; Portal link; Logo',
    );
    // Only the sender and clinic were saved: the server still comes from the environment.
    await expect(settings.getByText('comes from HEALTHSPHERE_SMTP_URL on this computer')).toBeVisible();
    await expect(settings.getByRole('img', { name: `Logo of ${CLINIC}` })).toBeVisible();
    await checkScreen(page, '65-mail-settings-saved');

    // A server on another computer: plain text is refused at once, STARTTLS with the organisation's CA is not.
    await settings.getByLabel('Mail server', { exact: true }).fill(remote.host);
    await settings.getByLabel('Port', { exact: true }).fill(String(remote.port));
    await expect(settings.getByLabel('Connection security')).toHaveValue('none');
    await expect(settings.getByText('Plain text is allowed only for a mail relay on this computer')).toBeVisible();
    await settings.getByLabel('Connection security').selectOption('starttls');
    await expect(settings.getByText('Plain text is allowed only for a mail relay on this computer')).toHaveCount(0);
    await settings.getByLabel('Trusted certificate (PEM), optional').fill(certificates.caPem);
    await withReauth(
      page,
      settings.getByRole('button', { name: 'Save mail settings' }),
      settings.getByRole('status').filter({ hasText: 'Mail settings saved' }),
    );
    await expect(delivery.getByTestId('mail-delivery-message')).toContainText(
      `no Business Associate Agreement with the provider of ${remote.host} is on file`,
    );
    await expect(delivery.getByText('mail stays queued and is not sent')).toBeVisible();
    await expect(settings.getByText('comes from HEALTHSPHERE_SMTP_URL on this computer')).toHaveCount(0);

    // Mail for people waits meanwhile: an invitation stays queued, and the other server hears nothing of it.
    await openTab(page, 'Users');
    await page.getByLabel('Email', { exact: true }).fill(INVITEE.email);
    await page.getByLabel('First name').fill(INVITEE.firstName);
    await page.getByLabel('Last name').fill(INVITEE.lastName);
    await page.getByRole('combobox', { name: 'Role' }).first().selectOption('nurse');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect(page.getByText(`An invitation code was mailed to ${INVITEE.email}`)).toBeVisible();
    await openTab(page, 'Mail');
    await expect(log.getByTestId('mail-delivery-message')).toContainText('every message stays queued');
    await expect(log.getByRole('row').filter({ hasText: INVITEE.email })).toContainText('Queued');
    expect(remote.messages).toHaveLength(0);

    // The test mail is never held: it goes at once, over STARTTLS, to a certificate the pasted CA vouches for.
    await testMail.getByLabel('Send test mail to').fill('it@clinic.example');
    await testMail.getByRole('button', { name: 'Send test mail' }).click();
    await expect(testMail.getByRole('status')).toContainText('The test mail was delivered to it@clinic.example');
    const lastTest = testMail.getByRole('definition');
    await expect(lastTest.filter({ hasText: /^TLSv1\.[23]$/ })).toHaveCount(1);
    await expect(testMail.getByText('Certificate verified', { exact: true })).toBeVisible();
    await expect(lastTest.filter({ hasText: /^Yes$/ })).toHaveCount(1);
    await expect(lastTest.filter({ hasText: 'HealthSphere Test CA' })).toHaveCount(1);
    expect((await remote.waitFor('it@clinic.example')).subject).toBe(`${CLINIC} test message`);
    expect(remote.mailTo(INVITEE.email)).toHaveLength(0);
    await checkScreen(page, '66-mail-needs-agreement');

    // The agreement: the box must be ticked; then it is on file, and the waiting invitation leaves.
    await delivery.getByLabel('Mail provider').fill('Example Mail Inc.');
    await delivery.getByRole('button', { name: 'Confirm agreement' }).click();
    await expect(delivery.getByText('Tick this box only when the signed agreement is on file.')).toBeVisible();
    await expect(delivery.getByLabel('A Business Associate Agreement with this provider is on file')).toBeFocused();
    await delivery.getByLabel('A Business Associate Agreement with this provider is on file').check();
    await withReauth(
      page,
      delivery.getByRole('button', { name: 'Confirm agreement' }),
      delivery.getByRole('button', { name: 'Withdraw agreement' }),
    );
    await expect(delivery.getByRole('definition').filter({ hasText: 'Example Mail Inc.' })).toBeVisible();
    await expect(delivery.getByRole('definition').filter({ hasText: ADMIN.email })).toBeVisible();
    await expect(delivery.getByTestId('mail-delivery-message')).toContainText(`Mail is sent through ${remote.host}`);
    const invitation = await remote.waitFor(INVITEE.email);
    expect(invitation.subject).toBe(`Your invitation to ${CLINIC}`);
    expect(invitation.secure).toBe(true);
    await checkScreen(page, '67-mail-agreement-on-file');

    // Withdrawn, mail is held again; confirmed again, it is not.
    await withReauth(
      page,
      delivery.getByRole('button', { name: 'Withdraw agreement' }),
      delivery.getByRole('button', { name: 'Confirm agreement' }),
    );
    await expect(delivery.getByTestId('mail-delivery-message')).toContainText('Mail is held');
    await delivery.getByLabel('Mail provider').fill('Example Mail Inc.');
    await delivery.getByLabel('A Business Associate Agreement with this provider is on file').check();
    await withReauth(
      page,
      delivery.getByRole('button', { name: 'Confirm agreement' }),
      delivery.getByRole('button', { name: 'Withdraw agreement' }),
    );
    await expect(delivery.getByTestId('mail-delivery-message')).toContainText(`Mail is sent through ${remote.host}`);

    // Back to the relay on this computer: plain text is allowed there, and no agreement is needed.
    await settings.getByLabel('Mail server', { exact: true }).fill(preview.mailbox.host);
    await settings.getByLabel('Port', { exact: true }).fill(String(preview.mailbox.port));
    await settings.getByLabel('Connection security').selectOption('none');
    await withReauth(
      page,
      settings.getByRole('button', { name: 'Save mail settings' }),
      settings.getByRole('status').filter({ hasText: 'Mail settings saved' }),
    );
    await expect(delivery.getByText('A relay on this computer needs no agreement.')).toBeVisible();
    await expect(delivery.getByTestId('mail-delivery-message')).toContainText(
      `Mail is sent through ${preview.mailbox.host}:${preview.mailbox.port}`,
    );

    await testMail.getByLabel('Send test mail to').fill(ADMIN.email);
    await testMail.getByRole('button', { name: 'Send test mail' }).click();
    await expect(testMail.getByRole('status')).toContainText(`The test mail was delivered to ${ADMIN.email}`);
    await expect(testMail.getByRole('definition').filter({ hasText: /^250\b/ })).toHaveCount(1);
    await expect(testMail.getByText('None: plain text to a mail relay on this computer')).toBeVisible();
    const localTest = (await preview.mailbox.waitFor(ADMIN.email, 2)).subject;
    expect(localTest).toBe(`${CLINIC} test message`);

    // The delivery log: every mail with its state and the server's reply, never what it says.
    const table = log.getByRole('table', { name: 'Delivery log' });
    await expect(table.getByRole('row').filter({ hasText: INVITEE.email })).toContainText('Sent');
    await expect(table.getByRole('row').filter({ hasText: 'it@clinic.example' })).toContainText('Test');
    await expect(table.getByText(codeIn(invitation))).toHaveCount(0);
    await checkScreen(page, '68-mail-delivery-log');

    await log.getByLabel('Recipient or subject').fill('invitation');
    await log.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(table.getByRole('row')).toHaveCount(2); // the header and the invitation
    await expect(table).toContainText(`Your invitation to ${CLINIC}`);
    await log.getByLabel('Recipient or subject').fill('');
    await log.getByLabel('Kind').selectOption('test');
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(table).not.toContainText(INVITEE.email);
    await log.getByLabel('State').selectOption('failed');
    await expect(table.getByText('No messages.')).toBeVisible();
    await log.getByLabel('Kind').selectOption('all');
    await log.getByLabel('State').selectOption('sent');
    await expect(table.getByRole('row').filter({ hasText: INVITEE.email })).toBeVisible();
    await checkScreen(page, '69-mail-delivery-log-filtered');
  } finally {
    await remote.stop();
  }
});

test.describe('with a machine policy that fixes the clinic name and portal link', () => {
  const policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-e2e-mail-policy-'));
  const policyFile = path.join(policyDir, 'policy.json');
  fs.writeFileSync(
    policyFile,
    JSON.stringify({ mail: { clinicName: 'Northside Health', portalLink: 'https://portal.northside.example' } }),
  );
  test.afterAll(() => fs.rmSync(policyDir, { recursive: true, force: true }));
  test.use({ previewEnv: { HEALTHSPHERE_POLICY: policyFile } });

  test('the settings IT fixes are read-only with "Set by your organization"; the others save', async ({
    page,
    preview,
  }) => {
    test.setTimeout(180_000);
    createAdmin(preview);
    await page.goto(preview.url);
    await signIn(page, ADMIN.email, ADMIN.password);
    await enrollOnScreen(page, ADMIN.email);
    await expect(page.getByRole('heading', { name: 'Administrator portal', level: 1 })).toBeVisible();
    await openTab(page, 'Mail');
    const settings = page.getByRole('region', { name: 'Mail settings' });
    await expect(settings.getByText('2 settings are set by your organization')).toBeVisible();
    const fixedFields: [label: string, value: string][] = [
      ['Clinic name', 'Northside Health'],
      ['Portal link', 'https://portal.northside.example'],
    ];
    for (const [label, value] of fixedFields) {
      const input = settings.getByLabel(label, { exact: true });
      await expect(input).toHaveValue(value);
      await expect(input).toHaveAttribute('readonly', '');
      await expect(input).toHaveAccessibleDescription(/^Set by your organization\./);
    }
    await checkScreen(page, '75-mail-policy');

    await settings.getByLabel('Sender name', { exact: true }).fill('Northside front desk');
    await withReauth(
      page,
      settings.getByRole('button', { name: 'Save mail settings' }),
      settings.getByRole('status').filter({ hasText: 'Mail settings saved: Sender name.' }),
    );
    await expect(settings.getByLabel('Clinic name', { exact: true })).toHaveValue('Northside Health');
  });
});

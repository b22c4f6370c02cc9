// Two-step verification the way a person does it, with tools that share no code with HealthSphere: the QR code
// is read from a screenshot of the screen by zbarimg (zbar-tools), and codes come from oathtool (oath-toolkit).
import { execFileSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { checkScreen, expect, test } from './fixtures';

const STEP_MS = 30_000;

/** A phone's authenticator app: one secret, and never the same time step twice (the core refuses a reused step). */
export class Authenticator {
  private lastStep = -1;
  /** The last code given, to show that the core refuses it again. */
  lastCode: string | null = null;

  constructor(readonly secret: string) {}

  /** The code of the current 30-second step, from oathtool; waits for the next step when this one was used. */
  async nextCode(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const step = Math.floor(now / STEP_MS);
      if (step > this.lastStep) {
        this.lastStep = step;
        const code = execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(now / 1000)}`, this.secret], {
          encoding: 'utf8',
        }).trim();
        expect(code).toMatch(/^\d{6}$/);
        this.lastCode = code;
        return code;
      }
      await new Promise((resolve) => setTimeout(resolve, (this.lastStep + 1) * STEP_MS - now + 250));
    }
  }

  /** A code the core cannot accept now: none of the previous, current and next steps' codes. */
  wrongCode(): string {
    const from = `@${Math.floor(Date.now() / 1000) - 30}`;
    const right = execFileSync('oathtool', ['--totp', '-b', '-w', '2', '--now', from, this.secret], {
      encoding: 'utf8',
    }).split('\n');
    return ['000000', '111111', '222222', '333333'].find((c) => !right.includes(c))!;
  }
}

export interface Enrolled {
  authenticator: Authenticator;
  backupCodes: string[];
}

let qrShots = 0;

/**
 * On "Set up two-step verification": reads the QR code from a screenshot of it, checks the otpauth URI and the key
 * for manual entry, types a code from oathtool, then saves the backup codes and continues. Ends where Continue
 * leads (the portal). Optional screen names are checked with checkScreen on the way.
 */
export async function enrollOnScreen(
  page: Page,
  email: string,
  screens: { setup?: string; wrongCode?: string; codes?: string } = {},
): Promise<Enrolled> {
  await expect(page.getByRole('heading', { name: 'Set up two-step verification', level: 1 })).toBeVisible();
  const qr = page.getByTestId('totp-qr');
  await expect(qr).toBeVisible();
  await expect(qr).toHaveAttribute('alt', 'QR code for your authenticator app');
  await expect
    .poll(() => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
    .toBeGreaterThan(0);

  qrShots += 1;
  const png = test.info().outputPath(`totp-qr-${qrShots}.png`);
  await qr.screenshot({ path: png });
  const uri = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
  const parsed = new URL(uri);
  expect(parsed.protocol).toBe('otpauth:');
  expect(parsed.host).toBe('totp');
  expect(decodeURIComponent(parsed.pathname)).toBe(`/HealthSphere:${email}`);
  expect(parsed.searchParams.get('issuer')).toBe('HealthSphere');
  const secret = parsed.searchParams.get('secret') ?? '';
  // 160 bits in base32: 32 characters.
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  // The key for typing by hand is the same secret, in groups of four.
  await expect(page.getByText('Key for manual entry', { exact: true })).toBeVisible();
  await expect(page.getByTestId('totp-manual-key')).toHaveText(secret.match(/.{1,4}/g)!.join(' '));
  if (screens.setup) await checkScreen(page, screens.setup);

  const authenticator = new Authenticator(secret);
  const code = page.getByLabel('Authentication code');
  if (screens.wrongCode) {
    // Letters are refused at the field; a wrong code by the core, with what to check.
    await code.fill('12a456');
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await expect(page.getByText('Enter the 6-digit code from your authenticator app.')).toBeVisible();
    await expect(code).toBeFocused();
    await code.fill(authenticator.wrongCode());
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await expect(page.getByRole('alert')).toContainText('That code is not valid.');
    await expect(code).toBeFocused();
    await checkScreen(page, screens.wrongCode);
  }
  // The way people type it from the app: "123 456".
  const current = await authenticator.nextCode();
  await code.fill(`${current.slice(0, 3)} ${current.slice(3)}`);
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();

  await expect(page.getByRole('heading', { name: 'Save your backup codes', level: 1 })).toBeVisible();
  const backupCodes = await readBackupCodes(page);
  if (screens.codes) await checkScreen(page, screens.codes);
  await saveBackupCodesAndContinue(page);
  return { authenticator, backupCodes };
}

/** The ten codes on "Save your backup codes". */
export async function readBackupCodes(page: Page): Promise<string[]> {
  const items = page.getByTestId('backup-codes').getByRole('listitem');
  await expect(items).toHaveCount(10);
  const codes = (await items.allTextContents()).map((c) => c.trim());
  for (const c of codes) expect(c).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  expect(new Set(codes).size).toBe(10);
  return codes;
}

/** Continue stays disabled until the person says the codes are saved. */
export async function saveBackupCodesAndContinue(page: Page): Promise<void> {
  const next = page.getByRole('button', { name: 'Continue' });
  await expect(next).toBeDisabled();
  await page.getByLabel('I have saved my backup codes').check();
  await expect(next).toBeEnabled();
  await next.click();
}

/** Answers "Two-step verification" after the password with the app's current code. */
export async function answerCodePrompt(page: Page, authenticator: Authenticator): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();
  await page.getByLabel('Authentication code').fill(await authenticator.nextCode());
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
}

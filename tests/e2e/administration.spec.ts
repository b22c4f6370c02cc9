// Issue 5 end to end: the first-run setup, an administrator inviting a doctor who then signs in at another desk,
// patient profiles, a restricted record opened with emergency access, and its review by the administrator.
import { PNG } from 'pngjs';
import type { Page } from '@playwright/test';
import { codeIn } from '../support/smtp';
import { checkScreen, expect, test } from './fixtures';
import { PATIENT, registerPatient, signIn, signOut } from './people';
import { enrollOnScreen } from './two-factor';

const FIRST_ADMIN = {
  email: 'mary@clinic.example',
  firstName: 'Mary',
  lastName: 'Seacole',
  password: 'lantern harbour quiet 1857',
};
const DOCTOR = {
  email: 'house@clinic.example',
  firstName: 'Gregory',
  lastName: 'House',
  password: 'differential diagnosis rounds',
  newPassword: 'vicodin free rounds at noon',
};

/** A small PNG image made here, for the profile photo. */
function photo(): Buffer {
  const png = new PNG({ width: 32, height: 32 });
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

test('first-run setup, an invited doctor, patient profiles, a restricted record and emergency access under review', async ({
  page,
  browser,
  preview,
}) => {
  test.setTimeout(300_000);

  // (a) An empty database: the app asks for the first administrator.
  await page.goto(preview.url);
  await expect(page.getByRole('heading', { name: 'Set up HealthSphere', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Email', { exact: true })).toBeFocused();
  await page.getByLabel('Email', { exact: true }).fill(FIRST_ADMIN.email);
  await page.getByLabel('First name').fill(FIRST_ADMIN.firstName);
  await page.getByLabel('Last name').fill(FIRST_ADMIN.lastName);
  await page.getByLabel('Password', { exact: true }).fill('seacole');
  await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(FIRST_ADMIN.password);
  await page.getByLabel('Confirm password').fill(FIRST_ADMIN.password);
  await checkScreen(page, '50-first-run-setup');
  await page.getByRole('button', { name: 'Create administrator' }).click();

  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(FIRST_ADMIN.email);
  await expect(page.getByRole('status').filter({ hasText: 'administrator account is created' })).toBeVisible();
  await checkScreen(page, '51-sign-in-after-setup');
  await page.getByLabel('Password', { exact: true }).fill(FIRST_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await enrollOnScreen(page, FIRST_ADMIN.email);
  await expect(page.getByRole('heading', { name: 'Administrator portal', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Users by role and status' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Failed sign-ins and lockouts per day' })).toBeVisible();
  await checkScreen(page, '52-admin-overview');

  // A patient registers at the front desk and fills in her profile.
  const desk = await (await browser.newContext()).newPage();
  await desk.goto(await preview.newWindowUrl());
  await expect(desk.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await registerPatient(desk, preview);
  await signIn(desk, PATIENT.email, PATIENT.password);
  await expect(desk.getByRole('heading', { name: 'Patient portal', level: 1 })).toBeVisible();
  await openTab(desk, 'Profile');
  await desk.getByLabel('Date of birth').fill('2031-01-01');
  await desk.getByRole('button', { name: 'Save profile' }).click();
  await expect(desk.getByText('A date of birth cannot be in the future or before 1900.')).toBeVisible();
  await expect(desk.getByLabel('Date of birth')).toBeFocused();
  await desk.getByLabel('Date of birth').fill('1985-12-10');
  await desk.getByLabel('Phone', { exact: true }).fill('+44 20 7946 0958');
  await desk.getByLabel('Emergency contact name').fill('Charles Babbage');
  await desk.getByRole('button', { name: 'Save profile' }).click();
  await expect(desk.getByText('Your profile is saved.')).toBeVisible();
  await expect(desk.getByText('Entered by your care team', { exact: false })).toBeVisible();
  await desk.getByLabel('Profile photo').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: photo() });
  await expect(desk.getByText('Your profile photo is saved.')).toBeVisible();
  await expect(desk.getByRole('img', { name: 'Profile photo of Ada Lovelace' })).toBeVisible();
  await checkScreen(desk, '53-patient-profile');
  await openTab(desk, 'Recent activity');
  await expect(desk.getByRole('table', { name: 'Recent activity' })).toContainText('Signed in');
  await checkScreen(desk, '54-patient-activity');
  await signOut(desk);

  // (b) The administrator invites a doctor.
  await openTab(page, 'Users');
  await expect(page.getByRole('table', { name: 'Users' })).toContainText(PATIENT.email);
  await page.getByLabel('Email', { exact: true }).fill(DOCTOR.email);
  await page.getByLabel('First name').fill(DOCTOR.firstName);
  await page.getByLabel('Last name').fill(DOCTOR.lastName);
  await page.getByRole('combobox', { name: 'Role' }).first().selectOption('doctor');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText(`An invitation code was mailed to ${DOCTOR.email}`)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Users' })).toContainText(DOCTOR.email);
  await checkScreen(page, '55-admin-users-invited');
  const code = codeIn(await preview.mailbox.waitFor(DOCTOR.email));

  // The doctor, at another desk, sets a password with the invitation code.
  const doctor = await (await browser.newContext()).newPage();
  await doctor.goto(await preview.newWindowUrl());
  await expect(doctor.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await doctor.getByRole('button', { name: 'I have an invitation code' }).click();
  await expect(doctor.getByText('Enter the email address your invitation was sent to')).toBeVisible();
  await doctor.getByLabel('Email', { exact: true }).fill(DOCTOR.email);
  await doctor.getByRole('button', { name: 'I have an invitation code' }).click();
  await expect(doctor.getByRole('heading', { name: 'Choose a new password', level: 1 })).toBeVisible();
  await expect(doctor.getByRole('status').filter({ hasText: 'invitation' })).toBeVisible();
  await checkScreen(doctor, '56-invitation-code');
  await doctor.getByLabel(/code/i).first().fill(code);
  await doctor.getByLabel('New password', { exact: true }).fill(DOCTOR.password);
  await doctor.getByLabel('Confirm new password').fill(DOCTOR.password);
  await doctor.getByRole('button', { name: 'Set new password' }).click();
  await expect(doctor.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await doctor.getByLabel('Password', { exact: true }).fill(DOCTOR.password);
  await doctor.getByRole('button', { name: 'Sign in', exact: true }).click();
  await enrollOnScreen(doctor, DOCTOR.email);
  await expect(doctor.getByRole('heading', { name: 'Doctor portal', level: 1 })).toBeVisible();

  // The doctor finds the patient registered earlier and opens her record.
  await openTab(doctor, 'Patients');
  await doctor.getByLabel('Find a patient').fill('1985-12-10');
  await doctor.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(doctor.getByRole('table', { name: 'Patients' })).toContainText('Ada Lovelace');
  await checkScreen(doctor, '57-patient-search');
  await doctor.getByRole('button', { name: 'Open Ada Lovelace' }).click();
  await expect(doctor.getByRole('heading', { name: 'Ada Lovelace', level: 2 })).toBeFocused();
  await expect(doctor.getByText('Charles Babbage')).toBeVisible();
  await doctor.getByLabel('Blood type').selectOption('O-');
  await doctor.getByLabel('Allergies').fill('Penicillin');
  await doctor.getByRole('button', { name: 'Save medical information' }).click();
  await expect(doctor.getByText('The medical information is saved.')).toBeVisible();
  await checkScreen(doctor, '58-patient-record');

  // (c) The record is restricted: the name only, until emergency access is declared with a reason.
  await doctor.getByRole('button', { name: 'Restrict this record' }).click();
  await expect(doctor.getByText('This record is restricted. Only the name is shown.')).toBeVisible();
  await expect(doctor.getByText('Charles Babbage')).toHaveCount(0);
  await doctor.getByLabel('Reason for emergency access').fill('urgent');
  await doctor.getByRole('button', { name: 'Declare emergency access' }).click();
  await expect(doctor.getByText('Say why, in at least 20 characters: it is reviewed.')).toBeVisible();
  await expect(doctor.getByLabel('Reason for emergency access')).toBeFocused();
  await checkScreen(doctor, '59-restricted-record');
  await doctor
    .getByLabel('Reason for emergency access')
    .fill('Patient unconscious in the waiting room; need allergies before treatment.');
  await doctor.getByRole('button', { name: 'Declare emergency access' }).click();
  await expect(doctor.getByText(/^Emergency access until /).first()).toBeVisible();
  await expect(doctor.getByText('Charles Babbage')).toBeVisible();
  await expect(doctor.getByLabel('Allergies')).toHaveValue('Penicillin');
  await checkScreen(doctor, '60-emergency-access');

  // The administrator sees it to review.
  await openTab(page, 'Overview');
  const review = page.getByRole('table', { name: 'Emergency access' });
  await expect(review).toContainText('Ada Lovelace');
  await expect(review).toContainText(DOCTOR.email);
  await expect(review).toContainText('Patient unconscious in the waiting room');
  await checkScreen(page, '61-admin-emergency-review');
  await review.getByRole('button', { name: /Mark reviewed/ }).click();
  await expect(review).toContainText('Reviewed');

  // The administrator opens the doctor's account: the last-admin rule, the sessions, a required new password.
  await openTab(page, 'Users');
  await page.getByRole('button', { name: `Open ${FIRST_ADMIN.firstName} ${FIRST_ADMIN.lastName}` }).click();
  await expect(page.getByRole('heading', { name: 'Mary Seacole', level: 2 })).toBeFocused();
  await page.getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.getByRole('alert')).toContainText(/permission|without an active administrator/);
  await page.getByRole('button', { name: 'Back to users' }).click();
  await page.getByRole('button', { name: 'Open Gregory House' }).click();
  await expect(page.getByRole('heading', { name: 'Gregory House', level: 2 })).toBeFocused();
  await expect(page.getByRole('table', { name: 'Sessions of Gregory House' })).toBeVisible();
  await checkScreen(page, '62-admin-user-detail');
  await page.getByRole('button', { name: 'Require a new password' }).click();
  await expect(page.getByText('Gregory House must choose a new password before going on.')).toBeVisible();

  // The doctor's next action asks for a new password first.
  await doctor.getByRole('button', { name: 'Back to search' }).click();
  await doctor.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(doctor.getByRole('heading', { name: 'Choose a new password', level: 1 })).toBeVisible();
  await checkScreen(doctor, '63-password-change-required');
  await doctor.getByLabel('Current password', { exact: true }).fill(DOCTOR.password);
  await doctor.getByLabel('New password', { exact: true }).fill(DOCTOR.newPassword);
  await doctor.getByLabel('Confirm new password').fill(DOCTOR.newPassword);
  await doctor.getByRole('button', { name: 'Change password' }).click();
  await expect(doctor.getByRole('heading', { name: 'Doctor portal', level: 1 })).toBeVisible();
});

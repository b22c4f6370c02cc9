// Every mail template, rendered in the one layout with and without the clinic's name, portal link and logo.
import { describe, expect, it } from 'vitest';
import * as templates from '../../src/main/core/mail/templates';
import {
  LOGO_CID,
  type MailBrand,
  type MailDraft,
  type MailKind,
  type MailMessage,
  type TwoFactorNoticeEvent,
  accountLockedMail,
  invitationMail,
  passwordChangedMail,
  passwordResetCodeMail,
  registrationAttemptMail,
  renderMail,
  testMail,
  twoFactorNoticeMail,
  verificationCodeMail,
  welcomeMail,
} from '../../src/main/core/mail/templates';

const TO = 'someone@example.org';
const CODE = '314159';
const PORTAL = 'https://portal.riverside.example/sign-in';

const TWO_FACTOR_EVENTS = [
  'enabled',
  'disabled',
  'reset',
  'backup_code_used',
  'backup_codes_regenerated',
] as const satisfies readonly TwoFactorNoticeEvent[];
// A new event fails to compile here until it is added above.
const twoFactorEventsComplete: Record<TwoFactorNoticeEvent, true> = {
  enabled: true,
  disabled: true,
  reset: true,
  backup_code_used: true,
  backup_codes_regenerated: true,
};

/** Every template function with every variant it has, by a readable name. */
function everyDraft(to: string): Array<[string, MailDraft]> {
  return [
    ['verificationCodeMail', verificationCodeMail(to, CODE, 15)],
    ['registrationAttemptMail', registrationAttemptMail(to)],
    ['passwordResetCodeMail', passwordResetCodeMail(to, CODE, 15)],
    ['passwordChangedMail(reset)', passwordChangedMail(to, 'reset')],
    ['passwordChangedMail(changed)', passwordChangedMail(to, 'changed')],
    ['accountLockedMail', accountLockedMail(to, 15)],
    ['testMail', testMail(to)],
    ...TWO_FACTOR_EVENTS.map((e): [string, MailDraft] => [`twoFactorNoticeMail(${e})`, twoFactorNoticeMail(to, e, 7)]),
    ['invitationMail', invitationMail(to, CODE, 72)],
    ['welcomeMail(patient)', welcomeMail(to, 'patient')],
    ['welcomeMail(staff)', welcomeMail(to, 'staff')],
  ];
}

// Every kind is sent by some template (a new kind fails to compile here until it is added).
const KINDS: Record<MailKind, true> = {
  verification: true,
  registration_attempt: true,
  password_reset: true,
  password_changed: true,
  account_locked: true,
  two_factor: true,
  invitation: true,
  welcome: true,
  test: true,
};

/** The template functions the module exports: every exported function but renderMail. */
function exportedTemplateFunctions(): string[] {
  return Object.entries(templates)
    .filter(([name, value]) => typeof value === 'function' && name !== 'renderMail')
    .map(([name]) => name)
    .sort();
}

const BRANDS: MailBrand[] = [];
for (const clinicName of ['', 'Riverside Clinic'])
  for (const portalLink of ['', PORTAL])
    for (const logo of [false, true]) BRANDS.push({ clinicName, portalLink, logo });

const shownName = (brand: MailBrand) => brand.clinicName || 'HealthSphere';
const headerOf = (html: string) => /<div class="hs-header"[\s\S]*?<\/div>/.exec(html)?.[0];
const footerOf = (html: string) => /<p class="hs-footer"[\s\S]*?<\/p>/.exec(html)?.[0];

describe('the set of templates', () => {
  it('covers every exported template function, every kind and every two-factor event', () => {
    const covered = new Set(everyDraft(TO).map(([name]) => name.replace(/\(.*\)$/, '')));
    expect([...covered].sort()).toEqual(exportedTemplateFunctions());
    expect(new Set(everyDraft(TO).map(([, d]) => d.kind))).toEqual(new Set(Object.keys(KINDS)));
    expect(TWO_FACTOR_EVENTS).toEqual(Object.keys(twoFactorEventsComplete));
  });

  it('takes only the address, codes and numbers: no template has a parameter for a name or profile', () => {
    for (const name of exportedTemplateFunctions()) {
      const fn = (templates as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
      const params = /\(([^)]*)\)/.exec(fn.toString())?.[1] ?? '';
      expect(params, name).not.toMatch(/name|profile|user|patient|person/i);
    }
  });
});

describe.each(BRANDS)('with the brand %o', (brand) => {
  const clinic = shownName(brand);
  const rendered: Array<[string, MailDraft, MailMessage]> = everyDraft(TO).map(([name, draft]) => [
    name,
    draft,
    renderMail(draft, brand),
  ]);

  it('keeps kind and recipient, and names the clinic in the text and the HTML of every mail', () => {
    for (const [name, draft, mail] of rendered) {
      expect(mail.kind, name).toBe(draft.kind);
      expect(mail.to, name).toBe(TO);
      expect(mail.subject, name).not.toBe('');
      expect(mail.text, name).toContain(clinic);
      expect(mail.html, name).toContain(clinic);
      expect(mail.text, name).toMatch(new RegExp(`— ${clinic}\\nThis message was sent automatically by ${clinic}\\.`));
      if (brand.clinicName) {
        // The clinic's name stands where "HealthSphere" stood; the app keeps its name only as the app to open.
        expect(mail.text.replace(/(in|Open|to) HealthSphere/g, ''), name).not.toContain('HealthSphere');
        expect(mail.html.replace(/(in|Open|to) HealthSphere/g, ''), name).not.toContain('HealthSphere');
      }
    }
  });

  it('puts the clinic in the subjects that named HealthSphere', () => {
    const subjects = Object.fromEntries(rendered.map(([name, , mail]) => [name, mail.subject]));
    expect(subjects['verificationCodeMail']).toBe(`Your ${clinic} verification code`);
    expect(subjects['passwordResetCodeMail']).toBe(`Your ${clinic} password reset code`);
    expect(subjects['passwordChangedMail(reset)']).toBe(`Your ${clinic} password was changed`);
    expect(subjects['accountLockedMail']).toBe(`Your ${clinic} account was locked`);
    expect(subjects['testMail']).toBe(`${clinic} test message`);
    expect(subjects['invitationMail']).toBe(`Your invitation to ${clinic}`);
    expect(subjects['welcomeMail(patient)']).toBe(`Welcome to ${clinic}`);
    expect(subjects['welcomeMail(staff)']).toBe(`Welcome to ${clinic}`);
  });

  it('shows each code in both parts, large in the HTML', () => {
    for (const [name, , mail] of rendered) {
      if (!['verificationCodeMail', 'passwordResetCodeMail', 'invitationMail'].includes(name)) {
        expect(mail.text, name).not.toMatch(/\b\d{6}\b/);
        continue;
      }
      expect(mail.text, name).toMatch(new RegExp(`^${CODE}$`, 'm'));
      expect(mail.html, name).toMatch(new RegExp(`font-size:28px[^>]*>${CODE}</p>`));
    }
  });

  it('points to the portal link in the mails that ask for action only when one is set, and never to anything else', () => {
    for (const [name, draft, mail] of rendered) {
      const linked = brand.portalLink !== '' && draft.action;
      if (linked) {
        expect(mail.text, name).toContain(`Open HealthSphere or the ${clinic} portal:\n${PORTAL}\n`);
        expect(mail.text.match(/https?:\/\/\S+/g), name).toEqual([PORTAL]);
        expect(mail.html, name).toContain(`<a href="${PORTAL}"`);
        expect(mail.html.match(/<a /g), name).toHaveLength(1);
      } else {
        expect(mail.text, name).not.toMatch(/https?:|www\./);
        expect(mail.html, name).not.toMatch(/<a |href=|https?:/);
        expect(mail.text, name).not.toContain('portal');
      }
    }
    // Every mail that asks its reader to act has the link; only the test message asks nothing.
    expect(rendered.filter(([, d]) => !d.action).map(([name]) => name)).toEqual(['testMail']);
  });

  it('shows the logo as the inline image only when there is one', () => {
    for (const [name, , mail] of rendered) {
      if (brand.logo) {
        expect(mail.html, name).toContain(`<img src="cid:${LOGO_CID}" alt="${clinic} logo"`);
        expect(mail.html.match(/<img /g), name).toHaveLength(1);
      } else {
        expect(mail.html, name).not.toMatch(/<img |cid:/);
      }
      expect(mail.text, name).not.toContain('cid:');
    }
  });

  it('lays every mail out alike: the same header, footer, frame and signature', () => {
    const headers = new Set(rendered.map(([, , m]) => headerOf(m.html)));
    const footers = new Set(rendered.map(([, , m]) => footerOf(m.html)));
    expect(headers.size).toBe(1);
    expect(footers.size).toBe(1);
    expect([...headers][0]).toContain(`>${clinic}</p>`);
    expect([...footers][0]).toContain(`This message was sent automatically by ${clinic}. Do not reply to it.`);
    const frame = (html: string) =>
      html.replace(/<title>.*<\/title>/, '').replace(/<\/div>\n[\s\S]*<p class="hs-footer"/, '');
    for (const [name, , mail] of rendered) {
      expect(mail.html, name).toMatch(/^<!doctype html>\n<html lang="en">/);
      expect(mail.html, name).toContain(`<title>${mail.subject.replace(/'/g, '&#39;').replace(/"/g, '&#34;')}</title>`);
      expect(frame(mail.html).split('<div class="hs-header"')[0], name).toBe(
        frame(rendered[0]![2].html).split('<div class="hs-header"')[0],
      );
      expect(mail.html.endsWith('</div></body></html>'), name).toBe(true);
      expect(
        mail.text.endsWith(`— ${clinic}\nThis message was sent automatically by ${clinic}. Do not reply to it.`),
      ).toBe(true);
    }
  });
});

describe('the welcome mail', () => {
  const brand: MailBrand = { clinicName: 'Riverside Clinic', portalLink: PORTAL, logo: false };

  it('tells a patient their address is confirmed and the account is ready, and where to sign in', () => {
    const mail = renderMail(welcomeMail(TO, 'patient'), brand);
    expect(mail.kind).toBe('welcome');
    expect(mail.text).toContain('Your email address is confirmed and your account at Riverside Clinic is ready.');
    expect(mail.text).toContain('Sign in to HealthSphere');
    expect(mail.text).toContain(PORTAL);
    expect(mail.text).not.toMatch(/staff|password is set/i);
  });

  it('tells a staff member their password is set and their staff account is ready', () => {
    const mail = renderMail(welcomeMail(TO, 'staff'), brand);
    expect(mail.text).toContain('Your password is set and your Riverside Clinic staff account is ready.');
    expect(mail.text).toContain('Sign in to HealthSphere');
    expect(mail.text).toContain(PORTAL);
    expect(mail.text).not.toMatch(/doctor|nurse|admin\b|receptionist|role/i);
  });
});

describe('hostile brand values', () => {
  const hostile = `<script>alert("x")</script> Smith & Sons' "Clinic"`;

  it('escapes a clinic name everywhere in the HTML, and keeps it as written in the subject and text', () => {
    for (const [name, draft] of everyDraft(TO)) {
      const mail = renderMail(draft, { clinicName: hostile, portalLink: PORTAL, logo: true });
      expect(mail.html, name).not.toContain('<script');
      expect(mail.html, name).not.toContain(hostile);
      expect(mail.html, name).toContain(
        '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; Smith &#38; Sons&#39; &#34;Clinic&#34;',
      );
      expect(mail.html, name).toContain(
        `alt="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; Smith &#38; Sons&#39; &#34;Clinic&#34; logo"`,
      );
      // Every tag is one the layout writes.
      const tags = new Set([...mail.html.matchAll(/<([a-z!/]+)/gi)].map((m) => m[1]!.toLowerCase()));
      expect(
        [...tags].filter((t) => !/^\/?(!doctype|html|head|meta|title|body|div|p|img|a)$/.test(t)),
        name,
      ).toEqual([]);
      expect(mail.text, name).toContain(hostile);
    }
  });

  it('keeps a clinic name on one line, so it cannot add a header', () => {
    const mail = renderMail(verificationCodeMail(TO, CODE, 15), {
      clinicName: 'Riverside\r\nBcc: thief@example.net\u0000',
      portalLink: '',
      logo: false,
    });
    expect(mail.subject).toBe('Your Riverside Bcc: thief@example.net verification code');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).not.toContain('\u0000');
  });

  it('shows HealthSphere when the clinic name is only spaces', () => {
    const mail = renderMail(testMail(TO), { clinicName: '   ', portalLink: '', logo: false });
    expect(mail.subject).toBe('HealthSphere test message');
  });

  it('escapes a portal link in the HTML and never shows one that is not plain https', () => {
    const odd = 'https://portal.example/?a="><script>x</script>&b=1';
    const mail = renderMail(passwordResetCodeMail(TO, CODE, 15), { clinicName: '', portalLink: odd, logo: false });
    expect(mail.html).not.toContain('<script');
    expect(mail.html).toContain(
      'href="https://portal.example/?a=&#34;&#62;&#60;script&#62;x&#60;/script&#62;&#38;b=1"',
    );
    expect(mail.text).toContain(odd);
    for (const bad of [
      'javascript:alert(1)',
      'http://portal.example/',
      'https://user:secret@portal.example/',
      'data:text/html,hi',
      'not a link',
    ]) {
      const m = renderMail(passwordResetCodeMail(TO, CODE, 15), { clinicName: '', portalLink: bad, logo: false });
      expect(m.html, bad).not.toMatch(/<a |href=/);
      expect(m.text, bad).not.toContain(bad);
    }
  });
});

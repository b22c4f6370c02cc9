// What an administrator does on the Mail tab: the mail settings (the password write-only), the Business Associate
// Agreement confirmation that lets mail leave for a server that is not this computer, the test mail, and the
// delivery log. Every change is audited as SETTINGS_CHANGED with what changed — never the password.
import { X509Certificate } from 'node:crypto';
import {
  type MailSettings,
  type MailSettingsPatch,
  MAIL_SETTING_LABELS,
  normalizeHost,
  plainTextProblem,
} from '../../../shared/mail';
import { encrypt } from '../crypto/encryption';
import { DomainError } from '../domain-error';
import { makeWaitingMailDue, type MailSender, type TestMailResult } from '../mail/mail-sender';
import { brandOf, type MailInForce, type MailSettingsStore } from '../mail/mail-settings';
import { listOutbox, recordDirectMail } from '../mail/outbox';
import { renderMail, testMail } from '../mail/templates';
import { loadSavedMail, MAIL_PASSWORD_CONTEXT, saveMail, type SavedMail } from '../repositories/mail-settings';
import { POLICY_FIXED_FIELD } from './admin';
import type { Handler, HandlerContext } from './handler';

/** The first bytes of each logo type an admin may upload. */
const IMAGE_SIGNATURES: Record<'image/png' | 'image/jpeg', number[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
};

/** How a certificate is named in the audit trail and on screen: its subject and fingerprint, never all of it. */
function describeCertificate(pem: string): string {
  if (pem === '') return 'none';
  const certificate = new X509Certificate(pem);
  return `${certificate.subject.replace(/\n/g, ', ')} (SHA-256 ${certificate.fingerprint256.slice(0, 23)}…)`;
}

function shown(key: keyof MailSettings, value: unknown): string {
  if (key === 'trustedCertificate') return describeCertificate(String(value));
  return value === '' ? '(empty)' : String(value);
}

export function mailAdminHandlers(store: MailSettingsStore, sender: MailSender) {
  /** The settings in force as this transaction sees them. */
  const inForce = async (ctx: HandlerContext): Promise<{ saved: SavedMail; mail: MailInForce }> => {
    const saved = await loadSavedMail(ctx.trx);
    return { saved, mail: store.inForce(saved) };
  };

  /** Saves, makes waiting mail due, and wakes the sender once the change is committed. */
  const persist = async (ctx: HandlerContext, next: SavedMail) => {
    await saveMail(ctx.trx, next, ctx.session!.user.id, ctx.nowMs);
    await makeWaitingMailDue(ctx.trx, ctx.nowMs);
    ctx.afterCommit(() => {
      store.invalidate();
      void sender.kick({ retryNow: true });
    });
    return store.inForce(next);
  };

  const getSettings: Handler<'mail.getSettings'> = async (ctx) => {
    const { mail } = await inForce(ctx);
    ctx.setAuditSubject({ resourceId: 'mail' });
    return {
      values: mail.settings,
      passwordSet: mail.passwordSet,
      passwordFixed: store.passwordFixed(),
      logo: mail.logo,
      fixedByPolicy: Object.keys(store.fixedByPolicy()) as Array<keyof MailSettings>,
      fromEnvironment: mail.fromEnvironment,
      loopback: mail.loopback,
      baa: mail.baa,
      delivery: sender.statusOf(mail),
    };
  };

  const updateSettings: Handler<'mail.updateSettings'> = async (ctx, input) => {
    ctx.setAuditSubject({ resourceId: 'mail' });
    const fixed = store.fixedByPolicy() as Record<string, unknown>;
    const requested = input.values as Record<string, unknown>;
    const refused: Record<string, string> = {};
    const toSave: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(requested)) {
      if (value === undefined) continue;
      if (fixed[key] === undefined) toSave[key] = value;
      else if (fixed[key] !== value) refused[`values.${key}`] = POLICY_FIXED_FIELD;
    }
    if (store.passwordFixed() && (input.password !== undefined || input.clearPassword))
      refused['password'] = POLICY_FIXED_FIELD;
    if (Object.keys(refused).length > 0) {
      ctx.setAuditSubject({ details: { refused: Object.keys(refused).join(',') } });
      throw new DomainError('POLICY_FIXED', refused);
    }

    const { saved, mail: before } = await inForce(ctx);
    const problems: Record<string, string> = {};
    if (typeof toSave['trustedCertificate'] === 'string' && toSave['trustedCertificate'] !== '') {
      try {
        const certificate = new X509Certificate(toSave['trustedCertificate']);
        if (Date.parse(certificate.validTo) < ctx.nowMs)
          problems['values.trustedCertificate'] = `This certificate expired on ${certificate.validTo}.`;
      } catch {
        problems['values.trustedCertificate'] = 'This is not a certificate that can be read.';
      }
    }
    if (input.logo) {
      const bytes = Buffer.from(input.logo.dataBase64, 'base64');
      const signature = IMAGE_SIGNATURES[input.logo.type];
      if (bytes.length === 0 || !signature.every((byte, i) => bytes[i] === byte))
        problems['logo'] = `This file is not a ${input.logo.type === 'image/png' ? 'PNG' : 'JPEG'} image.`;
    }
    if (input.password !== undefined && input.password !== '' && input.clearPassword)
      problems['password'] = 'Enter a new password or remove the one kept, not both.';
    if (input.password !== undefined && input.password !== '' && input.password.trim() === '')
      problems['password'] = 'A password of spaces only cannot be right.';

    const values = { ...saved.values, ...(toSave as MailSettingsPatch) };
    // The kept password belongs to its server: it never follows the settings to another host (where whoever set
    // that host would receive it at login). A new server needs its password typed again.
    const serverChanged = store.inForce({ ...saved, values }).settings.host !== before.settings.host;
    const next: SavedMail = {
      values,
      passwordEncrypted: input.password
        ? encrypt(ctx.keys.mailCredentials, input.password, MAIL_PASSWORD_CONTEXT)
        : input.clearPassword || serverChanged
          ? null
          : saved.passwordEncrypted,
      logo: input.logo === undefined ? saved.logo : input.logo,
      baa: saved.baa,
    };
    // Saving the server from HEALTHSPHERE_SMTP_URL on this screen saves its user name; its password is not
    // carried into the database unless typed.
    const after = store.inForce(next);
    const plain = plainTextProblem(after.settings);
    if (plain) problems['values.security'] = plain;
    if (Object.keys(problems).length > 0) throw new DomainError('INVALID_INPUT', problems);

    const changes: Record<string, string> = {};
    for (const key of Object.keys(MAIL_SETTING_LABELS) as Array<keyof MailSettings>) {
      if (after.settings[key] !== before.settings[key])
        changes[key] = `${shown(key, before.settings[key])} → ${shown(key, after.settings[key])}`;
    }
    if (next.passwordEncrypted !== saved.passwordEncrypted)
      changes['password'] = next.passwordEncrypted ? 'changed' : 'removed';
    if (input.logo !== undefined && JSON.stringify(input.logo) !== JSON.stringify(saved.logo))
      changes['logo'] = input.logo ? `changed (${input.logo.type})` : 'removed';
    if (before.delivery.state !== after.delivery.state) changes['delivery'] = after.delivery.state;
    ctx.setAuditSubject({ details: changes });
    const now = await persist(ctx, next);
    return { values: now.settings, passwordSet: now.passwordSet, delivery: now.delivery };
  };

  const confirmBaa: Handler<'mail.confirmBaa'> = async (ctx, input) => {
    ctx.setAuditSubject({ resourceId: 'mail' });
    const { saved, mail } = await inForce(ctx);
    const host = mail.settings.host;
    if (host === '') throw new DomainError('INVALID_INPUT', { host: 'Set a mail server first.' });
    if (normalizeHost(input.host) !== host)
      throw new DomainError('INVALID_INPUT', {
        host: `The mail server is now ${host}, not ${input.host}. Check it, then confirm again.`,
      });
    if (mail.loopback)
      throw new DomainError('INVALID_INPUT', { host: 'A mail relay on this computer needs no agreement.' });
    const baa = {
      provider: input.provider,
      host,
      confirmedBy: ctx.session!.user.email,
      confirmedAt: ctx.nowMs,
    };
    ctx.setAuditSubject({
      details: {
        baa: 'confirmed',
        provider: input.provider,
        host,
        ...(saved.baa ? { replaced: `${saved.baa.provider} for ${saved.baa.host}` } : {}),
      },
    });
    const now = await persist(ctx, { ...saved, baa });
    return { baa, delivery: now.delivery };
  };

  const withdrawBaa: Handler<'mail.withdrawBaa'> = async (ctx) => {
    ctx.setAuditSubject({ resourceId: 'mail' });
    const { saved, mail } = await inForce(ctx);
    if (!saved.baa) {
      ctx.setAuditSubject({ details: { baa: 'none on file' } });
      return { delivery: mail.delivery };
    }
    ctx.setAuditSubject({ details: { baa: 'withdrawn', provider: saved.baa.provider, host: saved.baa.host } });
    const now = await persist(ctx, { ...saved, baa: null });
    return { delivery: now.delivery };
  };

  // The test mail's connection is made before the request's transaction (see `prepareSendTest`): a server that
  // hangs must not hold the database. Here it is recorded in the delivery log and the trail.
  const sendTest: Handler<'mail.sendTest'> = async (ctx, input) => {
    const result = ctx.prepared as TestMailResult & { subject: string };
    await recordDirectMail(
      ctx.trx,
      ctx.nowMs,
      { kind: 'test', to: input.to, subject: result.subject },
      {
        delivered: result.delivered,
        serverResponse: result.serverResponse || null,
        problem: result.problem,
      },
    );
    ctx.setAuditSubject({
      details: {
        to: input.to,
        server: result.server,
        delivered: result.delivered,
        ...(result.tls ? { tls: `${result.tls.version} ${result.tls.cipher}` } : {}),
        ...(result.problem ? { problem: result.problem.slice(0, 200) } : {}),
      },
    });
    return result;
  };

  const prepareSendTest = async (input: { to: string }) => {
    const mail = renderMail(testMail(input.to), brandOf(await store.current()));
    return { ...(await sender.sendNow(mail)), subject: mail.subject };
  };

  const outbox: Handler<'mail.outbox'> = async (ctx, input) => {
    const { mail } = await inForce(ctx);
    return {
      configured: mail.settings.host !== '',
      delivery: sender.statusOf(mail),
      ...(await listOutbox(ctx.trx, input)),
    };
  };

  return { getSettings, updateSettings, confirmBaa, withdrawBaa, sendTest, prepareSendTest, outbox };
}

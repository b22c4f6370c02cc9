// What an administrator does from the admin portal in this issue: security settings, unlocking an account,
// and looking after mail (a test message, the outbox).
import { DEFAULT_SECURITY_SETTINGS, type SecuritySettings, securitySettingsSchema } from '../../../shared/settings';
import { DomainError } from '../domain-error';
import type { MailSender } from '../mail/mail-sender';
import { listOutbox } from '../mail/outbox';
import { testMail } from '../mail/templates';
import { saveSecuritySettings } from '../repositories/settings';
import { clearGuard, guardKey } from '../repositories/sign-in-guards';
import { findUserByEmail } from '../repositories/users';
import type { SettingsStore } from '../settings-store';
import type { Handler } from './handler';

export interface SystemFacts {
  keyProtection: 'os-keychain' | 'key-file' | 'environment';
  warnings: string[];
}

export function adminHandlers(settingsStore: SettingsStore, mail: MailSender, system: SystemFacts) {
  const status: Handler<'system.status'> = async () => ({
    mailConfigured: mail.configured,
    keyProtection: system.keyProtection,
    warnings: [
      ...system.warnings,
      ...(mail.configured
        ? []
        : ['Mail is not configured (HEALTHSPHERE_SMTP_URL): codes and notices wait in the outbox.']),
    ],
  });

  const getSecurity: Handler<'settings.getSecurity'> = async (ctx) => ({
    values: ctx.settings,
    defaults: DEFAULT_SECURITY_SETTINGS,
  });

  const updateSecurity: Handler<'settings.updateSecurity'> = async (ctx, input) => {
    const parsed = securitySettingsSchema.safeParse({ ...ctx.settings, ...input.values });
    if (!parsed.success) {
      throw new DomainError(
        'INVALID_INPUT',
        Object.fromEntries(parsed.error.issues.map((i) => [`values.${String(i.path[0])}`, i.message])),
      );
    }
    const next = parsed.data;
    const changes: Record<string, string> = {};
    for (const key of Object.keys(next) as Array<keyof SecuritySettings>) {
      if (JSON.stringify(next[key]) !== JSON.stringify(ctx.settings[key])) {
        changes[key] = `${String(ctx.settings[key])} → ${String(next[key])}`;
      }
    }
    await saveSecuritySettings(ctx.trx, next, ctx.session!.user.id, ctx.nowMs);
    ctx.setAuditSubject({ resourceId: 'security', details: changes });
    ctx.afterCommit(() => settingsStore.invalidate());
    return { values: next };
  };

  const unlockUser: Handler<'users.unlock'> = async (ctx, input) => {
    const user = await findUserByEmail(ctx.trx, input.email);
    const unlocked = await clearGuard(ctx.trx, guardKey(ctx.keys.signInGuard, input.email));
    ctx.setAuditSubject({ resourceId: user?.id ?? null, details: { email: input.email, wasLocked: unlocked } });
    return { unlocked };
  };

  const sendTest: Handler<'mail.sendTest'> = async (ctx, input) => {
    const result = await mail.sendNow(testMail(input.to));
    ctx.setAuditSubject({ details: { to: input.to, delivered: result.delivered } });
    return result;
  };

  const outbox: Handler<'mail.outbox'> = async (ctx, input) => ({
    configured: mail.configured,
    messages: await listOutbox(ctx.trx, input.state),
  });

  return { status, getSecurity, updateSecurity, unlockUser, sendTest, outbox };
}

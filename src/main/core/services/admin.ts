// What an administrator does from the admin portal: the system's status, security settings, unlocking an
// account. The Mail tab's handlers are in mail-admin.ts.
import { DEFAULT_SECURITY_SETTINGS, type SecuritySettings, securitySettingsSchema } from '../../../shared/settings';
import { DomainError } from '../domain-error';
import type { MailSender } from '../mail/mail-sender';
import type { MailSettingsStore } from '../mail/mail-settings';
import { loadSecuritySettings, saveSecuritySettings } from '../repositories/settings';
import { clearGuard, guardKey } from '../repositories/sign-in-guards';
import { findUserByEmail } from '../repositories/users';
import { type SettingsStore, withPolicy } from '../settings-store';
import type { Handler } from './handler';

/** Said at each setting the machine policy fixes that a request tried to change (Settings and Mail tabs). */
export const POLICY_FIXED_FIELD = 'Set by your organization (machine policy): it cannot be changed here.';

/** The same setting value; a list of roles in any order is the same list. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && [...a].sort().join() === [...b].sort().join();
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface SystemFacts {
  keyProtection: 'os-keychain' | 'key-file' | 'environment';
  warnings: string[];
}

export function adminHandlers(
  settingsStore: SettingsStore,
  mail: MailSender,
  mailSettings: MailSettingsStore,
  system: SystemFacts,
) {
  const status: Handler<'system.status'> = async (ctx) => {
    const inForce = await mailSettings.read(ctx.trx);
    const delivery = mail.statusOf(inForce);
    return {
      mailConfigured: inForce.settings.host !== '',
      keyProtection: system.keyProtection,
      // Mail that is not leaving (no server, no BAA, a server that fails) is said on the admin's overview.
      warnings: [...system.warnings, ...(delivery.state === 'ready' ? [] : [delivery.message])],
    };
  };

  const getSecurity: Handler<'settings.getSecurity'> = async (ctx) => ({
    values: ctx.settings,
    defaults: DEFAULT_SECURITY_SETTINGS,
    fixedByPolicy: settingsStore.fixedKeys(),
  });

  // What an admin saves goes to the database; a setting the machine policy fixes is not theirs to change. Sending
  // the policy's own value back is not a change, and is not saved either (the database keeps its own value, which
  // is in force again the day the policy no longer fixes it).
  const updateSecurity: Handler<'settings.updateSecurity'> = async (ctx, input) => {
    const fixed = settingsStore.fixedByPolicy();
    const requested = input.values as Partial<Record<keyof SecuritySettings, unknown>>;
    const refused: Record<string, string> = {};
    const attempted: Record<string, string> = {};
    const toSave: Record<string, unknown> = {};
    for (const key of Object.keys(requested) as Array<keyof SecuritySettings>) {
      if (requested[key] === undefined) continue;
      if (fixed[key] === undefined) toSave[key] = requested[key];
      else if (!sameValue(requested[key], fixed[key])) {
        refused[`values.${key}`] = POLICY_FIXED_FIELD;
        attempted[key] = `${String(fixed[key])} → ${String(requested[key])} (fixed by the machine policy)`;
      }
    }
    if (Object.keys(refused).length > 0) {
      // Refused as a whole: nothing of the request is saved. Dispatch records the refusal with these details.
      ctx.setAuditSubject({ resourceId: 'security', details: attempted });
      throw new DomainError('POLICY_FIXED', refused);
    }
    const saved = await loadSecuritySettings(ctx.trx);
    const parsed = securitySettingsSchema.safeParse({ ...saved, ...toSave });
    if (!parsed.success) {
      throw new DomainError(
        'INVALID_INPUT',
        Object.fromEntries(parsed.error.issues.map((i) => [`values.${String(i.path[0])}`, i.message])),
      );
    }
    const before = withPolicy(saved, fixed);
    const next = withPolicy(parsed.data, fixed);
    const changes: Record<string, string> = {};
    for (const key of Object.keys(next) as Array<keyof SecuritySettings>) {
      if (JSON.stringify(next[key]) !== JSON.stringify(before[key])) {
        changes[key] = `${String(before[key])} → ${String(next[key])}`;
      }
    }
    await saveSecuritySettings(ctx.trx, parsed.data, ctx.session!.user.id, ctx.nowMs);
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

  return { status, getSecurity, updateSecurity, unlockUser };
}

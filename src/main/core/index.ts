// The core: everything that decides anything, in plain Node. Electron, the admin command line,
// the browser preview and the tests all start it here and reach the domain only through dispatch.
import os from 'node:os';
import type { Result } from '../../shared/errors';
import type { AuditStamp } from './audit/audit-writer';
import { type Caller, type Workstation, describeWorkstation } from './caller';
import { type Clock, systemClock } from './clock';
import type { CoreConfig } from './config';
import { type KeyProtector, deriveKeys, loadDataKey } from './crypto/keys';
import { prepareDummyHash } from './crypto/password';
import { type Database, migrateToLatest, openDatabase } from './db/connection';
import { createDispatch } from './dispatch';
import { type Logger, consoleLogger } from './log';
import { MailSender } from './mail/mail-sender';
import {
  type StaffAccount,
  createStaffAccount,
  passwordPolicy,
  register,
  requestPasswordReset,
  resendCode,
  resetPassword,
  verifyEmail,
} from './services/accounts';
import { adminHandlers } from './services/admin';
import { SettingsStore } from './settings-store';
import { guardKey } from './repositories/sign-in-guards';
import type { Handlers } from './services/handler';
import { sessionHandlers } from './services/sessions';
import { twoFactorHandlers } from './services/two-factor';
import {
  breakGlass,
  getAvatar,
  getOwnProfile,
  getPatient,
  getUserProfile,
  searchPatients,
  setAvatar,
  setRestricted,
  updateMedical,
  updateOwnProfile,
} from './services/profiles';
import { accountActivity, reviewEmergencyAccess, securitySummary } from './services/reports';
import { createFirstAdmin, setupStatus } from './services/setup';
import {
  changeRole,
  createUser,
  deactivateUser,
  endUserSession,
  listUsers,
  reactivateUser,
  requirePasswordChange,
  userSessions,
} from './services/users-admin';
import { SessionRegistry } from './session-registry';

export interface CoreOptions {
  config: CoreConfig;
  keyProtector?: KeyProtector;
  workstation?: Workstation;
  clock?: Clock;
  log?: Logger;
  /** Deliver queued mail in the background (the app and the preview); the command line does not. */
  sendMail?: boolean;
  /** What the shell wants administrators told (e.g. no OS keychain on this machine). */
  warnings?: string[];
}

export interface Core {
  dispatch(channel: unknown, payload: unknown, caller: Caller): Promise<Result<unknown>>;
  /** A renderer went away: its session ends. */
  forgetCaller(callerId: string): Promise<void>;
  /** The shell refused a call that was not from the app's own window; the core records it. */
  recordUntrustedCall(channel: string): Promise<void>;
  close(): Promise<void>;
  readonly db: Database;
  readonly mail: MailSender;
  /** Operations of the admin command line, which is not a renderer and so does not go through dispatch. */
  readonly admin: {
    createStaffAccount(account: StaffAccount): Promise<number>;
  };
}

/** Users made before sign-in guard keys were stored get theirs (it needs the key, so no migration can). */
async function backfillGuardKeys(db: Database, keys: ReturnType<typeof deriveKeys>): Promise<void> {
  const missing = (await db.knex('users').whereNull('guard_key').select('id', 'email')) as Array<{
    id: number;
    email: string;
  }>;
  for (const user of missing) {
    await db
      .knex('users')
      .where({ id: user.id })
      .update({ guard_key: guardKey(keys.signInGuard, user.email) });
  }
}

export async function startCore(options: CoreOptions): Promise<Core> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger;
  const workstation = describeWorkstation(
    options.workstation ?? { hostname: os.hostname(), osUser: os.userInfo().username },
  );
  const keys = deriveKeys(
    loadDataKey({ dataDir: config.dataDir, masterKey: config.masterKey, protector: options.keyProtector }),
  );
  const db = openDatabase(config);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.knex.destroy();
    throw err;
  }
  await backfillGuardKeys(db, keys);
  prepareDummyHash();
  const mail = new MailSender(db.knex, keys.outbox, config.smtpUrl, clock, log);
  if (options.sendMail !== false) mail.start();

  const registry = new SessionRegistry();
  const settings = new SettingsStore(db.knex, clock);
  const sessions = sessionHandlers(registry);
  const admin = adminHandlers(settings, mail, {
    keyProtection: config.masterKey ? 'environment' : options.keyProtector ? 'os-keychain' : 'key-file',
    warnings: options.warnings ?? [],
  });
  const twoFactor = twoFactorHandlers(registry);
  const handlers: Handlers = {
    'account.register': register,
    'account.verifyEmail': verifyEmail,
    'account.resendCode': resendCode,
    'account.passwordPolicy': passwordPolicy,
    'account.requestPasswordReset': requestPasswordReset,
    'account.resetPassword': resetPassword,
    'session.signIn': sessions.signIn,
    'session.current': sessions.current,
    'session.unlock': sessions.unlock,
    'session.signOut': sessions.signOut,
    'session.changePassword': sessions.changePassword,
    'session.list': sessions.list,
    'session.end': sessions.end,
    'settings.getSecurity': admin.getSecurity,
    'settings.updateSecurity': admin.updateSecurity,
    'users.unlock': admin.unlockUser,
    'mail.sendTest': admin.sendTest,
    'mail.outbox': admin.outbox,
    'system.status': admin.status,
    'twoFactor.status': twoFactor.status,
    'twoFactor.beginEnrollment': twoFactor.beginEnrollment,
    'twoFactor.confirmEnrollment': twoFactor.confirmEnrollment,
    'twoFactor.verify': twoFactor.verify,
    'twoFactor.useBackupCode': twoFactor.useBackup,
    'twoFactor.regenerateBackupCodes': twoFactor.regenerateBackupCodes,
    'twoFactor.disable': twoFactor.disable,
    'users.resetTwoFactor': twoFactor.adminReset,
    'setup.status': setupStatus,
    'setup.createFirstAdmin': createFirstAdmin,
    'session.reauthenticate': sessions.reauthenticate,
    'account.activity': accountActivity,
    'profile.get': getOwnProfile,
    'profile.update': updateOwnProfile,
    'profile.setAvatar': setAvatar,
    'profile.getAvatar': getAvatar,
    'patients.search': searchPatients,
    'patients.get': getPatient,
    'patients.updateMedical': updateMedical,
    'patients.setRestricted': setRestricted,
    'patients.breakGlass': breakGlass,
    'users.list': listUsers,
    'users.get': getUserProfile,
    'users.create': createUser,
    'users.changeRole': changeRole,
    'users.deactivate': deactivateUser,
    'users.reactivate': reactivateUser,
    'users.requirePasswordChange': requirePasswordChange,
    'users.sessions': userSessions,
    'users.endSession': endUserSession,
    'reports.securitySummary': securitySummary,
    'reports.reviewEmergencyAccess': reviewEmergencyAccess,
  };
  const { dispatch, forgetCaller, recordUntrustedCall } = createDispatch({
    knex: db.knex,
    clock,
    keys,
    registry,
    handlers,
    workstation,
    appVersion: config.appVersion,
    log,
    settings,
    onMailQueued: () => void mail.kick(),
  });
  const stamp = (): AuditStamp => ({ nowMs: clock.nowMs(), workstation, appVersion: config.appVersion });

  return {
    db,
    mail,
    dispatch,
    forgetCaller,
    recordUntrustedCall,
    async close() {
      await mail.stop();
      await db.knex.destroy();
    },
    admin: {
      createStaffAccount: async (account) =>
        createStaffAccount(db.knex, stamp, await settings.security(), keys, account),
    },
  };
}

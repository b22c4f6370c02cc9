// The core: everything that decides anything, in plain Node. Electron, the admin command line,
// the browser preview and the tests all start it here and reach the domain only through dispatch.
import type { Knex } from 'knex';
import os from 'node:os';
import type { Result } from '../../shared/errors';
import path from 'node:path';
import type { AuditFilters, Checkpoint, Verification } from '../../shared/audit';
import { type ArchiveResult, archiveTrail } from './audit/audit-archive';
import { AuditJobs, exportHeader, exportTrail, verifyTrail } from './audit/audit-jobs';
import { type AuditEvent, type AuditStamp, createCheckpoint, writeAuditEvent } from './audit/audit-writer';
import { sealUnsealedEvents } from './audit/legacy-events';
import { type AutoLogoff, type SystemActivity, startAutoLogoff } from './auto-logoff';
import { auditTrailHandlers } from './services/audit-trail';
import type { Caller, Workstation } from './caller';
import { type Clock, systemClock } from './clock';
import { type CoreConfig, policyWarnings } from './config';
import { type KeyProtector, deriveKeys, loadDataKey } from './crypto/keys';
import { checkDataKey } from './crypto/key-check';
import { prepareDummyHash } from './crypto/password';
import { type Database, migrateToLatest, openDatabase } from './db/connection';
import { createDispatch } from './dispatch';
import { type Logger, consoleLogger } from './log';
import { MailSender } from './mail/mail-sender';
import { brandOf, MailSettingsStore } from './mail/mail-settings';
import type { MailTimeouts } from './mail/smtp-delivery';
import { mailAdminHandlers } from './services/mail-admin';
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
import { KioskState } from './kiosk';
import { kioskHandlers } from './services/kiosk';
import { type CommandLine, createCommandLine } from './command-line';
import { retryOnWriteConflict } from './db/retry';
import { describeWorkstation } from './caller';

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
  /**
   * The operating system's screen lock, sleep and idle time (Electron's powerMonitor; the preview's standard
   * input): with it, this core's sessions lock automatically. The command line has none.
   */
  systemActivity?: SystemActivity;
  /** How often the system's idle time is read; tests shorten it. */
  systemPollMs?: number;
  /** How long the mail server may take to connect, greet and answer (tests of a server that hangs shorten it). */
  mailTimeouts?: MailTimeouts;
}

export interface Core {
  dispatch(channel: unknown, payload: unknown, caller: Caller): Promise<Result<unknown>>;
  /** A renderer went away: its session ends. */
  forgetCaller(callerId: string): Promise<void>;
  /** The shell refused a call that was not from the app's own window; the core records it. */
  recordUntrustedCall(channel: string): Promise<void>;
  /**
   * The front-desk kiosk (machine policy kioskMode): whether a window is one now, and a call back whenever a
   * window leaves kiosk (an administrator's exit) or goes back, so that the shell sets the window's kiosk mode.
   */
  readonly kiosk: Pick<KioskState, 'enabled' | 'isActive' | 'onChange'>;
  /**
   * Calls back with a renderer's caller id when the core locked or ended its session by itself (screen lock,
   * sleep, system idle), so that the shell tells that renderer at once. Returns a function that stops it.
   */
  onSessionChange(listener: (callerId: string) => void): () => void;
  close(): Promise<void>;
  readonly db: Database;
  readonly mail: MailSender;
  /** The admin command line's way to the same handlers the admin screens use, audited as the command line. */
  readonly commandLine: CommandLine;
  /** Operations of the admin command line, which is not a renderer and so does not go through dispatch. */
  readonly admin: {
    createStaffAccount(account: StaffAccount): Promise<number>;
    /** Verifies the audit chain (and a checkpoint, when given); records AUDIT_VERIFIED. */
    verifyAudit(checkpoint: Checkpoint | null, onProgress?: Progress): Promise<Verification>;
    /** Signs a checkpoint of the trail as it stands; records AUDIT_CHECKPOINT. */
    checkpointAudit(): Promise<Checkpoint>;
    /** Writes the filtered trail to a file; records EXPORT. */
    exportAudit(
      request: { format: 'csv' | 'json'; filters: AuditFilters; file: string },
      onProgress?: Progress,
    ): Promise<{ events: number; bytes: number }>;
    /** Archives events older than the retention period and `before`; null when none are. */
    archiveAudit(request: { before: number; file: string }, onProgress?: Progress): Promise<ArchiveResult | null>;
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

type Progress = (processed: number, total: number) => void;

export async function startCore(options: CoreOptions): Promise<Core> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger;
  const workstation = options.workstation ?? { hostname: os.hostname(), osUser: os.userInfo().username };
  const dataKey = loadDataKey({
    dataDir: config.dataDir,
    masterKey: config.masterKey,
    protector: options.keyProtector,
  });
  const keys = deriveKeys(dataKey);
  const db = openDatabase(config);
  try {
    await migrateToLatest(db);
    await checkDataKey(db.knex, dataKey, db.location);
  } catch (err) {
    await db.knex.destroy();
    throw err;
  }
  await backfillGuardKeys(db, keys);
  const stamp = (): AuditStamp => ({
    nowMs: clock.nowMs(),
    workstation: workstation.hostname,
    osUser: workstation.osUser,
    ipAddress: null,
    appVersion: config.appVersion,
    chainKey: keys.auditChain,
  });
  await sealUnsealedEvents(db.knex, keys.auditChain);
  prepareDummyHash();
  const mailSettings = new MailSettingsStore(db.knex, clock, keys.mailCredentials, {
    environmentUrl: config.policy?.values.mailServerUrl ? undefined : config.smtpUrl,
    policyUrl: config.policy?.values.mailServerUrl,
    policyMail: config.policy?.values.mail,
  });
  const mail = new MailSender(db.knex, keys.outbox, mailSettings, clock, log, options.mailTimeouts);
  if (options.sendMail !== false) mail.start();
  const mailBrand = async (trx: Knex.Transaction) => brandOf(await mailSettings.read(trx));
  const mailAdmin = mailAdminHandlers(mailSettings, mail);

  const registry = new SessionRegistry();
  const kiosk = new KioskState(config.kioskMode === true);
  const kioskChannels = kioskHandlers(kiosk, registry);
  const settings = new SettingsStore(db.knex, clock, config.policy?.settings);
  if (config.policy) {
    log.info('machine policy in force', { file: config.policy.file, fixes: settings.fixedKeys().join(',') });
    for (const warning of policyWarnings(config)) log.warn(warning);
  }
  const sessions = sessionHandlers(registry);
  const admin = adminHandlers(settings, mail, mailSettings, {
    keyProtection: config.masterKey ? 'environment' : options.keyProtector ? 'os-keychain' : 'key-file',
    warnings: options.warnings ?? [],
  });
  const twoFactor = twoFactorHandlers(registry);
  const jobs = new AuditJobs(clock, path.join(config.dataDir, 'exports'));
  const record = async (event: AuditEvent) => {
    try {
      // Another process (the command line beside the app, or the app beside it) may have written first.
      await retryOnWriteConflict(() => db.knex.transaction((trx) => writeAuditEvent(trx, stamp(), event)));
    } catch (err) {
      log.error('could not write an audit event', { action: event.action, reason: (err as Error).name });
    }
  };
  const target = { dataDir: config.dataDir, databaseUrl: config.databaseUrl };
  const auditKeys = { chainKey: keys.auditChain, signatureKey: keys.auditSignature };
  const auditTrail = auditTrailHandlers({ knex: db.knex, jobs, target, record });
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
    'mail.getSettings': mailAdmin.getSettings,
    'mail.updateSettings': mailAdmin.updateSettings,
    'mail.confirmBaa': mailAdmin.confirmBaa,
    'mail.withdrawBaa': mailAdmin.withdrawBaa,
    'mail.sendTest': mailAdmin.sendTest,
    'mail.outbox': mailAdmin.outbox,
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
    ...auditTrail,
    'kiosk.status': kioskChannels.status,
    'kiosk.exit': kioskChannels.exit,
    'kiosk.enter': kioskChannels.enter,
  };
  const { dispatch, forgetCaller, recordUntrustedCall, lockCaller } = createDispatch({
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
    mailBrand,
    prepare: { 'mail.sendTest': mailAdmin.prepareSendTest },
    kiosk,
  });

  const sessionListeners = new Set<(callerId: string) => void>();
  let autoLogoff: AutoLogoff | undefined;
  if (options.systemActivity) {
    autoLogoff = startAutoLogoff({
      activity: options.systemActivity,
      idleLimitSeconds: async () => (await settings.security()).sessionIdleMinutes * 60,
      callers: () => registry.callers(),
      lockCaller,
      notify: (callerId) => {
        for (const listener of sessionListeners) {
          try {
            listener(callerId);
          } catch {
            log.error('a session listener failed', { caller: callerId });
          }
        }
      },
      log,
      pollMs: options.systemPollMs,
    });
  }

  const commandLine = createCommandLine({
    knex: db.knex,
    keys,
    stamp,
    settings,
    handlers,
    workstation: describeWorkstation(workstation),
    log,
    onMailQueued: () => void mail.kick(),
    mailBrand,
  });

  return {
    db,
    mail,
    commandLine,
    dispatch,
    forgetCaller,
    recordUntrustedCall,
    kiosk,
    onSessionChange(listener) {
      sessionListeners.add(listener);
      return () => void sessionListeners.delete(listener);
    },
    async close() {
      await autoLogoff?.stop();
      await jobs.close();
      await mail.stop();
      await db.knex.destroy();
    },
    admin: {
      createStaffAccount: async (account) =>
        createStaffAccount(db.knex, stamp, await settings.security(), keys, account),
      verifyAudit: async (checkpoint, onProgress = () => {}) => {
        const verification = await verifyTrail(db.knex, target, auditKeys, checkpoint, onProgress).result;
        await record({
          action: 'AUDIT_VERIFIED',
          outcome: verification.ok ? 'success' : 'failure',
          channel: 'cli.audit-verify',
          resourceType: 'audit_trail',
          details: {
            checked: verification.checked,
            firstBadSeq: verification.firstBadSeq,
            problem: verification.problem,
            checkpointSeq: verification.checkpointSeq,
          },
        });
        return verification;
      },
      checkpointAudit: () =>
        retryOnWriteConflict(() =>
          db.knex.transaction(async (trx) => {
            const point = await createCheckpoint(trx, keys.auditSignature, clock.nowMs(), null);
            await writeAuditEvent(trx, stamp(), {
              action: 'AUDIT_CHECKPOINT',
              outcome: 'success',
              channel: 'cli.audit-checkpoint',
              resourceType: 'audit_trail',
              resourceId: point.seq,
            });
            return point;
          }),
        ),
      exportAudit: async (request, onProgress = () => {}) => {
        const written = await exportTrail(
          db.knex,
          target,
          {
            format: request.format,
            filters: request.filters,
            path: request.file,
            header: exportHeader(clock.nowMs(), request.filters),
          },
          onProgress,
        ).result;
        await record({
          action: 'EXPORT',
          outcome: 'success',
          channel: 'cli.audit-export',
          resourceType: 'audit_trail',
          details: { format: request.format, events: written.events },
        });
        return written;
      },
      archiveAudit: async (request, onProgress) =>
        archiveTrail(
          db.knex,
          target,
          auditKeys,
          {
            before: request.before,
            retentionYears: (await settings.security()).auditRetentionYears,
            file: request.file,
            stamp,
          },
          onProgress,
        ),
    },
  };
}

// The mail settings in force on this workstation, layered: the built-in defaults, then the server in
// HEALTHSPHERE_SMTP_URL (a developer's or a single computer's default), then what an admin saved (shared by every
// workstation on the database), then the machine policy (`mailServerUrl` and `mail`), which wins. Read at most once
// a second per core, at once after this core saved a change. Also decides whether mail may leave now: a server
// that is not this computer needs a Business Associate Agreement on file for that very host.
import type { Knex } from 'knex';
import {
  type BaaRecord,
  DEFAULT_MAIL_SETTINGS,
  isLoopbackHost,
  normalizeHost,
  type MailDeliveryStatus,
  type MailLogo,
  type MailSettings,
  type MailSettingsPatch,
  plainTextProblem,
} from '../../../shared/mail';
import type { Clock } from '../clock';
import { decrypt } from '../crypto/encryption';
import { loadSavedMail, MAIL_PASSWORD_CONTEXT, type SavedMail } from '../repositories/mail-settings';
import type { MailBrand } from './templates';

const FRESH_MS = 1000;

/** The server keys an smtp:// or smtps:// URL gives, and its password (URL-decoded). */
export function serverFromUrl(smtpUrl: string): { values: MailSettingsPatch; password: string } {
  const url = new URL(smtpUrl);
  const host = normalizeHost(url.hostname);
  const security = url.protocol === 'smtps:' ? 'tls' : isLoopbackHost(host) ? 'none' : 'starttls';
  const port = url.port ? Number(url.port) : security === 'tls' ? 465 : security === 'none' ? 25 : 587;
  return {
    values: { host, port, security, username: decodeURIComponent(url.username) },
    password: decodeURIComponent(url.password),
  };
}

export interface MailInForce {
  settings: MailSettings;
  /** The server password in clear, for the SMTP login only: never returned, logged or audited. */
  password: string;
  passwordSet: boolean;
  logo: MailLogo | null;
  baa: BaaRecord | null;
  /** Nothing saved by an admin yet: the server comes from HEALTHSPHERE_SMTP_URL. */
  fromEnvironment: boolean;
  loopback: boolean;
  delivery: MailDeliveryStatus;
}

export interface MailSources {
  /** HEALTHSPHERE_SMTP_URL: the default under what an admin saves. */
  environmentUrl?: string;
  /** The machine policy's `mailServerUrl`: fixes the server keys it names. */
  policyUrl?: string;
  /** The machine policy's `mail`: fixes each key it names. */
  policyMail?: MailSettingsPatch;
}

/** Whether mail may leave now, and if not, why, in words for the admin's screens. */
export function deliveryStatus(settings: MailSettings, baa: BaaRecord | null): MailDeliveryStatus {
  if (settings.host === '')
    return {
      state: 'not-configured',
      message:
        'No mail server is set: verification codes and notices wait in the outbox until an administrator sets one on the Mail tab.',
    };
  const plain = plainTextProblem(settings);
  if (plain) return { state: 'not-configured', message: `Mail is held: ${plain}` };
  if (isLoopbackHost(settings.host) || (baa && baa.host === settings.host))
    return { state: 'ready', message: `Mail is sent through ${settings.host}:${settings.port}.` };
  return {
    state: 'needs-baa',
    message: baa
      ? `Mail is held: the Business Associate Agreement on file is for ${baa.host}, not for ${settings.host}. An administrator must confirm one for the new server on the Mail tab; until then every message stays queued.`
      : `Mail is held: no Business Associate Agreement with the provider of ${settings.host} is on file. An administrator must confirm one on the Mail tab; until then every message stays queued.`,
  };
}

export class MailSettingsStore {
  private cached: { value: MailInForce; readAt: number } | null = null;
  private readonly fixed: MailSettingsPatch;
  private readonly fixedPassword: string | undefined;
  private readonly environment: { values: MailSettingsPatch; password: string } | null;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly credentialsKey: Buffer,
    sources: MailSources = {},
  ) {
    const policyServer = sources.policyUrl ? serverFromUrl(sources.policyUrl) : null;
    this.fixed = Object.fromEntries(
      Object.entries({ ...policyServer?.values, ...sources.policyMail }).filter(([, v]) => v !== undefined),
    ) as MailSettingsPatch;
    this.fixedPassword = policyServer && policyServer.values.username ? policyServer.password : undefined;
    this.environment = sources.environmentUrl ? serverFromUrl(sources.environmentUrl) : null;
  }

  /** For the sender, outside any request: cached for a second. */
  async current(): Promise<MailInForce> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.readAt < FRESH_MS && now >= this.cached.readAt) return this.cached.value;
    const value = await this.read(this.knex);
    this.cached = { value, readAt: now };
    return value;
  }

  /**
   * As a request's transaction sees them. A handler must read through its transaction: SQLite has one connection,
   * which the transaction holds.
   */
  async read(db: Knex | Knex.Transaction): Promise<MailInForce> {
    return this.inForce(await loadSavedMail(db));
  }

  /** The settings in force if `saved` were what the database holds (to check a change before saving it). */
  inForce(saved: SavedMail): MailInForce {
    const adminSetServer = saved.values.host !== undefined;
    const useEnvironment = this.environment !== null && !adminSetServer;
    const settings = {
      ...DEFAULT_MAIL_SETTINGS,
      ...(useEnvironment ? this.environment!.values : {}),
      ...saved.values,
      ...this.fixed,
    } as MailSettings;
    const savedPassword = saved.passwordEncrypted ? this.decryptPassword(saved.passwordEncrypted) : '';
    const password = this.fixedPassword ?? (useEnvironment ? this.environment!.password : savedPassword);
    return {
      settings,
      password,
      passwordSet: password !== '',
      logo: saved.logo,
      baa: saved.baa,
      fromEnvironment: useEnvironment && this.fixed.host === undefined,
      loopback: settings.host !== '' && isLoopbackHost(settings.host),
      delivery: deliveryStatus(settings, saved.baa),
    };
  }

  private decryptPassword(sealed: string): string {
    try {
      return decrypt(this.credentialsKey, sealed, MAIL_PASSWORD_CONTEXT);
    } catch {
      // Sealed under another data key (a database moved without its key): as if none were kept; the login fails
      // and says so, and an admin enters it again.
      return '';
    }
  }

  /** The keys the machine policy fixes, with their values. */
  fixedByPolicy(): MailSettingsPatch {
    return this.fixed;
  }

  /** Whether the policy's server URL carries the password (then an admin cannot set one). */
  passwordFixed(): boolean {
    return this.fixedPassword !== undefined;
  }

  invalidate(): void {
    this.cached = null;
  }
}

/** What every template shows of the clinic. */
export function brandOf(mail: MailInForce): MailBrand {
  return { clinicName: mail.settings.clinicName, portalLink: mail.settings.portalLink, logo: mail.logo !== null };
}

// The security settings in force: the machine policy's over the database's over the defaults. The database's are
// read at most once a second per core, and at once after this core saved a change; another workstation's change
// is seen within a second. The policy's are fixed for the life of the core (read at start).
import type { Knex } from 'knex';
import type { SecuritySettings, SecuritySettingsPatch } from '../../shared/settings';
import type { Clock } from './clock';
import { loadSecuritySettings } from './repositories/settings';

const FRESH_MS = 1000;

export class SettingsStore {
  private cached: { value: SecuritySettings; readAt: number } | null = null;
  private readonly fixed: SecuritySettingsPatch;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    /** The settings the machine policy fixes on this workstation. */
    fixedByPolicy: SecuritySettingsPatch = {},
  ) {
    this.fixed = Object.fromEntries(
      Object.entries(fixedByPolicy).filter(([, value]) => value !== undefined),
    ) as SecuritySettingsPatch;
  }

  async security(): Promise<SecuritySettings> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.readAt < FRESH_MS && now >= this.cached.readAt) return this.cached.value;
    const value = withPolicy(await loadSecuritySettings(this.knex), this.fixed);
    this.cached = { value, readAt: now };
    return value;
  }

  /** The settings the machine policy fixes, with their values. */
  fixedByPolicy(): SecuritySettingsPatch {
    return this.fixed;
  }

  /** The names of the settings the machine policy fixes. */
  fixedKeys(): Array<keyof SecuritySettings> {
    return Object.keys(this.fixed) as Array<keyof SecuritySettings>;
  }

  invalidate(): void {
    this.cached = null;
  }
}

/** Settings with the policy's values over them. */
export function withPolicy(saved: SecuritySettings, fixed: SecuritySettingsPatch): SecuritySettings {
  return { ...saved, ...fixed } as SecuritySettings;
}

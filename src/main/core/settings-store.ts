// The security settings in force, read from the database at most once a second per core, and at once
// after this core saved a change. Another workstation's change is seen within a second.
import type { Knex } from 'knex';
import type { SecuritySettings } from '../../shared/settings';
import type { Clock } from './clock';
import { loadSecuritySettings } from './repositories/settings';

const FRESH_MS = 1000;

export class SettingsStore {
  private cached: { value: SecuritySettings; readAt: number } | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {}

  async security(): Promise<SecuritySettings> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.readAt < FRESH_MS && now >= this.cached.readAt) return this.cached.value;
    const value = await loadSecuritySettings(this.knex);
    this.cached = { value, readAt: now };
    return value;
  }

  invalidate(): void {
    this.cached = null;
  }
}

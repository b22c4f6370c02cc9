// What an administrator reviews: users by role and status, failed sign-ins and lockouts per day, and every
// emergency access; and what each person may see of their own account's activity.
import type { ROLES } from '../../../shared/roles';
import type { Handler } from './handler';

const DAY_MS = 24 * 60 * 60_000;

export const securitySummary: Handler<'reports.securitySummary'> = async (ctx) => {
  const counts = (await ctx
    .trx('users')
    .select('role', 'is_active')
    .count({ n: '*' })
    .groupBy('role', 'is_active')) as Array<{
    role: (typeof ROLES)[number];
    is_active: boolean | number;
    n: number | string;
  }>;
  const usersByRole = (['admin', 'doctor', 'nurse', 'patient'] as const).map((role) => ({
    role,
    active: Number(counts.find((c) => c.role === role && (c.is_active === true || c.is_active === 1))?.n ?? 0),
    inactive: Number(counts.find((c) => c.role === role && (c.is_active === false || c.is_active === 0))?.n ?? 0),
  }));

  const today = Math.floor(ctx.nowMs / DAY_MS) * DAY_MS;
  const since = today - 29 * DAY_MS;
  const events = (await ctx
    .trx('audit_events')
    .whereIn('action', ['LOGIN_FAILED', 'ACCOUNT_LOCKED'])
    .where('occurred_at', '>=', since)
    .select('action', 'occurred_at')) as Array<{ action: string; occurred_at: number }>;
  const days = Array.from({ length: 30 }, (_, i) => ({
    day: new Date(since + i * DAY_MS).toISOString().slice(0, 10),
    failedSignIns: 0,
    lockouts: 0,
  }));
  for (const e of events) {
    const bucket = days[Math.floor((Number(e.occurred_at) - since) / DAY_MS)];
    if (!bucket) continue;
    if (e.action === 'LOGIN_FAILED') bucket.failedSignIns++;
    else bucket.lockouts++;
  }

  const access = (await ctx
    .trx('emergency_access as e')
    .join('users as by', 'by.id', 'e.user_id')
    .join('users as p', 'p.id', 'e.patient_id')
    .orderByRaw('e.reviewed_at IS NOT NULL, e.started_at DESC')
    .limit(100)
    .select(
      'e.id',
      'by.email as by_email',
      'e.patient_id',
      'p.first_name',
      'p.last_name',
      'e.reason',
      'e.started_at',
      'e.expires_at',
      'e.reviewed_at',
    )) as Array<{
    id: number;
    by_email: string;
    patient_id: number;
    first_name: string;
    last_name: string;
    reason: string;
    started_at: number;
    expires_at: number;
    reviewed_at: number | null;
  }>;
  return {
    usersByRole,
    days,
    emergencyAccess: access.map((a) => ({
      id: a.id,
      by: a.by_email,
      patientId: a.patient_id,
      patientName: `${a.first_name} ${a.last_name}`,
      reason: a.reason,
      startedAt: a.started_at,
      expiresAt: a.expires_at,
      reviewedAt: a.reviewed_at,
    })),
  };
};

export const reviewEmergencyAccess: Handler<'reports.reviewEmergencyAccess'> = async (ctx, input) => {
  await ctx
    .trx('emergency_access')
    .where({ id: input.id })
    .whereNull('reviewed_at')
    .update({ reviewed_at: ctx.nowMs, reviewed_by: ctx.session!.user.id });
  ctx.setAuditSubject({ resourceId: input.id });
  return { reviewed: true };
};

/** A person's own recent account activity: sign-ins, changes, from which workstation. */
export const accountActivity: Handler<'account.activity'> = async (ctx) => {
  const rows = (await ctx
    .trx('audit_events')
    .where({ actor_user_id: ctx.session!.user.id })
    .whereNotIn('action', ['VIEW'])
    .orderBy([
      { column: 'occurred_at', order: 'desc' },
      { column: 'seq', order: 'desc' },
    ])
    .limit(20)
    .select('occurred_at', 'action', 'outcome', 'workstation')) as Array<{
    occurred_at: number;
    action: string;
    outcome: string;
    workstation: string | null;
  }>;
  return {
    events: rows.map((r) => ({ at: r.occurred_at, action: r.action, outcome: r.outcome, workstation: r.workstation })),
  };
};

// The audit trail as the admin screen and the command line see it: one event, the search filters, a page,
// and the long jobs (export, verification) that run off the main process's event loop.
import { z } from 'zod';

/** Every action the trail records. Add to the end; an action once recorded is never renamed. */
export const AUDIT_ACTIONS = [
  'LOGIN',
  'LOGIN_FAILED',
  'LOGOUT',
  'SESSION_LOCKED',
  'SESSION_UNLOCKED',
  'SESSION_EXPIRED',
  'SESSION_ENDED',
  'ACCOUNT_LOCKED',
  'ACCOUNT_UNLOCKED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'PASSWORD_RESET_REQUESTED',
  'EMAIL_VERIFIED',
  'EMAIL_CODE_SENT',
  'USER_CREATED',
  'SETTINGS_CHANGED',
  'TWO_FACTOR_ENROLLMENT_STARTED',
  'TWO_FACTOR_ENABLED',
  'TWO_FACTOR_DISABLED',
  'TWO_FACTOR_RESET',
  'TWO_FACTOR_VERIFIED',
  'TWO_FACTOR_FAILED',
  'BACKUP_CODE_USED',
  'BACKUP_CODES_REGENERATED',
  'TEST_MAIL_SENT',
  'VIEW',
  'UPDATE',
  'CREATE',
  'ROLE_CHANGED',
  'USER_DEACTIVATED',
  'USER_REACTIVATED',
  'PASSWORD_CHANGE_REQUIRED',
  'REAUTHENTICATED',
  'RECORD_RESTRICTED',
  'BREAK_GLASS',
  'BREAK_GLASS_REVIEWED',
  'REQUEST_REJECTED',
  'EXPORT',
  'PRINT',
  'DELETE',
  'AUDIT_VERIFIED',
  'AUDIT_CHECKPOINT',
  'AUDIT_ARCHIVED',
  'BACKUP_CREATED',
  'DATABASE_RESTORED',
  'KIOSK_EXITED',
  'KIOSK_ENTERED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** HIPAA 164.316(b)(2): six years at least. An administrator may keep the trail longer, never shorter. */
export const MIN_AUDIT_RETENTION_YEARS = 6;

/** Epoch milliseconds between 1970 and the year 9999: anything else is not a date anyone means. */
const epochMs = z.number().int().min(0).max(253_402_300_799_999);

/** Text typed into a filter: trimmed, bounded, matched exactly (never as SQL or a pattern). */
const filterText = (max: number) =>
  z
    .string()
    .max(max)
    .transform((s) => s.normalize('NFKC').trim())
    .optional();

export const auditFiltersSchema = z
  .strictObject({
    /** The acting user's email address. */
    actor: filterText(254),
    action: z.enum(AUDIT_ACTIONS).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    resourceType: filterText(40),
    resourceId: filterText(64),
    /** The patient whose information was involved: a patient id or the patient's email address. */
    patient: filterText(254),
    /** The workstation's host name. */
    workstation: filterText(255),
    from: epochMs.optional(),
    to: epochMs.optional(),
  })
  .refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, {
    path: ['to'],
    message: 'The end of the date range is before its start.',
  });
export type AuditFilters = z.output<typeof auditFiltersSchema>;

export const auditCursorSchema = z.strictObject({ occurredAt: epochMs, seq: z.number().int().min(0) });
export type AuditCursor = z.output<typeof auditCursorSchema>;

export const auditEventSchema = z.object({
  seq: z.number().int(),
  occurredAt: z.number().int(),
  action: z.string(),
  outcome: z.enum(AUDIT_OUTCOMES),
  channel: z.string().nullable(),
  actorUserId: z.number().int().nullable(),
  actorEmail: z.string().nullable(),
  actorRole: z.string().nullable(),
  sessionHash: z.string().nullable(),
  workstation: z.string().nullable(),
  osUser: z.string().nullable(),
  ipAddress: z.string().nullable(),
  appVersion: z.string().nullable(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  patientId: z.number().int().nullable(),
  dataCategory: z.string().nullable(),
  reason: z.string().nullable(),
  errorCode: z.string().nullable(),
  /** Facts as JSON text: never a password, code, token, key or PHI value. */
  details: z.string().nullable(),
  mac: z.string(),
});
export type AuditEventView = z.output<typeof auditEventSchema>;

export const AUDIT_JOB_KINDS = ['export', 'verify'] as const;
export const AUDIT_JOB_STATES = ['running', 'done', 'failed', 'cancelled'] as const;

/** What verification found: the first event that does not fit the chain, and how. */
export const verificationSchema = z.object({
  ok: z.boolean(),
  /** Events whose MAC was recomputed. */
  checked: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  /** The first event that was changed, removed, inserted or reordered (or where the trail was cut short). */
  firstBadSeq: z.number().int().nullable(),
  problem: z.enum(['changed', 'missing', 'truncated', 'checkpoint_invalid', 'archive_invalid']).nullable(),
  /** When a checkpoint was given: whether the trail still reaches it with the same MAC. */
  checkpointSeq: z.number().int().nullable(),
});
export type Verification = z.output<typeof verificationSchema>;

export const auditJobSchema = z.object({
  id: z.string(),
  kind: z.enum(AUDIT_JOB_KINDS),
  state: z.enum(AUDIT_JOB_STATES),
  processed: z.number().int(),
  total: z.number().int(),
  startedAt: z.number().int(),
  /** An export's finished file: where it is on this computer, how many events, how large. */
  file: z.object({ path: z.string(), events: z.number().int(), bytes: z.number().int() }).nullable(),
  verification: verificationSchema.nullable(),
  /** Why a job failed, in words for the screen (never an internal message). */
  error: z.string().nullable(),
});
export type AuditJob = z.output<typeof auditJobSchema>;

/** A signed checkpoint to keep off the machine: the trail had reached `seq` with this MAC at `createdAt`. */
export const checkpointSchema = z.strictObject({
  format: z.literal('healthsphere-audit-checkpoint'),
  version: z.literal(1),
  seq: z.number().int().min(0),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number().int(),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Checkpoint = z.output<typeof checkpointSchema>;

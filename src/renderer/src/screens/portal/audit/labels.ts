// Words for an audit event's coded values.
import type { AuditOutcome } from '../../../../../shared/audit';
import { ROLE_LABELS } from '../../../../../shared/roles';

export const OUTCOME_LABELS: Record<AuditOutcome, string> = {
  success: 'Success',
  failure: 'Failure',
  denied: 'Denied',
};

/** Outcome colours with at least 4.5:1 contrast on white. */
export const OUTCOME_COLORS: Record<AuditOutcome, string> = {
  success: 'clinic.9',
  failure: 'red.9',
  denied: 'orange.9',
};

export function outcomeText(outcome: AuditOutcome): string {
  return OUTCOME_LABELS[outcome];
}

/** A role as it was recorded: its label when it is one of today's roles, else the recorded word. */
export function roleText(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}

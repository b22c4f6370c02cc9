// A refusal a user or attacker may see, with a code from the shared catalogue. Anything else thrown is a bug.
import type { ErrorCode } from '../../shared/errors';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly fields?: Record<string, string>,
    readonly retryAfterSeconds?: number,
  ) {
    super(code);
    this.name = 'DomainError';
  }
}

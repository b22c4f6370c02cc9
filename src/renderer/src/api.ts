// The renderer's only way to the core: window.api (the preload in Electron, a WebSocket client in the preview).
import type { Api } from '../../shared/api';
import { ERROR_MESSAGES, type AppError, type Result } from '../../shared/errors';

const unavailable: { ok: false; error: AppError } = {
  ok: false,
  error: { code: 'UNAVAILABLE', message: ERROR_MESSAGES.UNAVAILABLE },
};

/** Calls the core; a missing bridge or a broken transport becomes an UNAVAILABLE result instead of a throw. */
export async function call<T>(request: (api: Api) => Promise<Result<T>>): Promise<Result<T>> {
  const api = (window as unknown as { api?: Api }).api;
  if (!api) return unavailable;
  try {
    const result = await request(api);
    if (result && typeof result === 'object' && typeof result.ok === 'boolean') return result;
    return unavailable;
  } catch {
    return unavailable;
  }
}

/**
 * Splits an error's per-field messages into those a form shows beside its inputs and the rest,
 * which the form shows in its alert so that nothing the core said is lost.
 */
export function fieldMessages<F extends string>(
  error: AppError,
  formFields: readonly F[],
): { fields: Partial<Record<F, string>>; other: string[] } {
  const fields: Partial<Record<F, string>> = {};
  const other: string[] = [];
  for (const [key, message] of Object.entries(error.fields ?? {})) {
    const name = key.split('.')[0] as F;
    if (formFields.includes(name)) fields[name] ??= message;
    else other.push(message);
  }
  return { fields, other };
}

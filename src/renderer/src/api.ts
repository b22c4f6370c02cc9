// The renderer's only way to the core: window.api (the preload in Electron, a WebSocket client in the preview).
import { createApi, type Api } from '../../shared/api';
import type { ChannelName } from '../../shared/contract';
import { ERROR_MESSAGES, type AppError, type Result } from '../../shared/errors';

const unavailable: { ok: false; error: AppError } = {
  ok: false,
  error: { code: 'UNAVAILABLE', message: ERROR_MESSAGES.UNAVAILABLE },
};

/** Told of every answer from the core, with its channel: the app uses it for the idle lock and ended sessions. */
export type CallObserver = (channel: ChannelName, result: Result<unknown>) => void;

let observer: CallObserver | null = null;

/** Sets the one observer of all calls (the app's state machine); returns a function that removes it. */
export function observeCalls(next: CallObserver): () => void {
  observer = next;
  return () => {
    if (observer === next) observer = null;
  };
}

/**
 * Calls `listener` when the core locked or ended this window's session by itself (automatic logoff: screen lock,
 * sleep, system idle); returns a function that stops it. Without a bridge that offers it, nothing is called.
 */
export function onSessionChange(listener: () => void): () => void {
  const bridge = (window as unknown as { api?: { onSessionChange?: (listener: () => void) => unknown } }).api;
  if (typeof bridge?.onSessionChange !== 'function') return () => undefined;
  const stop = bridge.onSessionChange(listener);
  return typeof stop === 'function' ? () => void stop() : () => undefined;
}

/**
 * Asked when the core answers REAUTH_REQUIRED (a sensitive action, and the password is older than 15 minutes):
 * resolves true once the person confirmed their password, false when they cancelled.
 */
export type ReauthHandler = () => Promise<boolean>;

let reauthHandler: ReauthHandler | null = null;

/** Sets the one handler that confirms the password again (the app's dialog); returns a function that removes it. */
export function setReauthHandler(next: ReauthHandler): () => void {
  reauthHandler = next;
  return () => {
    if (reauthHandler === next) reauthHandler = null;
  };
}

type Bridge = Record<string, Record<string, ((input: unknown) => Promise<Result<unknown>>) | undefined> | undefined>;

/**
 * Calls the core; a missing bridge or a broken transport becomes an UNAVAILABLE result instead of a throw.
 * When the core asks for the password again, the person is asked, and the request is repeated once.
 */
export async function call<T>(request: (api: Api) => Promise<Result<T>>): Promise<Result<T>> {
  const first = await callOnce(request);
  if (first.result.ok || first.result.error.code !== 'REAUTH_REQUIRED' || first.channel === 'session.reauthenticate')
    return first.result;
  const handler = reauthHandler;
  if (!handler || !(await handler())) return first.result;
  return (await callOnce(request)).result;
}

async function callOnce<T>(
  request: (api: Api) => Promise<Result<T>>,
): Promise<{ result: Result<T>; channel: ChannelName | null }> {
  const bridge = (window as unknown as { api?: Bridge }).api;
  if (!bridge) return { result: unavailable, channel: null };
  let channel: ChannelName | null = null;
  // The same api, but each request also records which channel it went to.
  const recording = createApi((name, input) => {
    channel = name;
    const [ns, method] = name.split('.') as [string, string];
    const target = bridge[ns]?.[method];
    return target ? target(input) : Promise.resolve(unavailable);
  });
  let result: Result<T>;
  try {
    const answer = await request(recording);
    result = answer && typeof answer === 'object' && typeof answer.ok === 'boolean' ? answer : unavailable;
  } catch {
    result = unavailable;
  }
  if (channel && observer) observer(channel, result);
  return { result, channel };
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

/** "Try again in about 2 minutes." from an error's retryAfterSeconds, or null when the core gave no wait. */
export function retryText(error: AppError): string | null {
  const seconds = error.retryAfterSeconds;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return null;
  if (seconds < 60) {
    const s = Math.ceil(seconds);
    return `Try again in about ${s} ${s === 1 ? 'second' : 'seconds'}.`;
  }
  if (seconds < 2 * 60 * 60) {
    const m = Math.ceil(seconds / 60);
    return `Try again in about ${m} ${m === 1 ? 'minute' : 'minutes'}.`;
  }
  const h = Math.ceil(seconds / 3600);
  return `Try again in about ${h} hours.`;
}

/** The message a person sees for an error: the core's message, or, when the core gave a wait, a plainer one with it. */
export function errorText(error: AppError): string {
  const wait = retryText(error);
  if (!wait) return error.message;
  if (error.code === 'RATE_LIMITED') return `Too many attempts. ${wait}`;
  if (error.code === 'ACCOUNT_LOCKED') {
    return `This account is locked. ${wait.slice(0, -1)}, or ask an administrator to unlock it.`;
  }
  return `${error.message} ${wait}`;
}

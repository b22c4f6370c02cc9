// The kiosk's inactivity timer: after KIOSK_IDLE_MS without keyboard, pointer or touch input anywhere in the
// window, the kiosk starts over (everything typed is dropped); KIOSK_WARNING_MS before, a warning shows. Any input
// ends the warning. It reads the time when a timer fires, so a clock that jumps (a sleeping computer, a test's
// fake clock) still ends in the right state.
import { useCallback, useEffect, useRef, useState } from 'react';
import { KIOSK_IDLE_MS, KIOSK_WARNING_MS, inactivityPhase } from '../../../../shared/kiosk';

export { KIOSK_IDLE_MS, KIOSK_WARNING_MS };

/** What counts as someone at the kiosk (input: a field changed without a key, e.g. an on-screen keyboard or paste). */
const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'input'] as const;

export type InactivityState = 'active' | 'warning';

/**
 * Calls `onIdle` after `idleMs` without input while `enabled`; says when the warning shows. `still()` counts as
 * input (the warning's "I am still here" button).
 */
export function useInactivity(
  enabled: boolean,
  onIdle: () => void,
  idleMs = KIOSK_IDLE_MS,
  warningMs = KIOSK_WARNING_MS,
): { state: InactivityState; still: () => void } {
  const [state, setState] = useState<InactivityState>('active');
  const lastInput = useRef(Date.now());
  const timer = useRef<number | undefined>(undefined);
  const onIdleRef = useRef(onIdle);
  useEffect(() => {
    onIdleRef.current = onIdle;
  }, [onIdle]);

  const check = useCallback(() => {
    window.clearTimeout(timer.current);
    const elapsed = Date.now() - lastInput.current;
    const phase = inactivityPhase(elapsed, idleMs, warningMs);
    if (phase === 'idle') {
      lastInput.current = Date.now();
      setState('active');
      onIdleRef.current();
      timer.current = window.setTimeout(check, idleMs - warningMs);
      return;
    }
    setState(phase);
    const next = phase === 'warning' ? idleMs - elapsed : idleMs - warningMs - elapsed;
    timer.current = window.setTimeout(check, Math.max(0, next));
  }, [idleMs, warningMs]);

  const still = useCallback(() => {
    lastInput.current = Date.now();
    setState('active');
  }, []);

  useEffect(() => {
    if (!enabled) return;
    lastInput.current = Date.now();
    setState('active');
    // Input only moves the time of the last input (cheap on every pointer move); the timer looks at it when it fires.
    const onInput = () => {
      lastInput.current = Date.now();
      setState((current) => (current === 'warning' ? 'active' : current));
    };
    for (const type of INPUT_EVENTS) window.addEventListener(type, onInput, { capture: true, passive: true });
    timer.current = window.setTimeout(check, idleMs - warningMs);
    return () => {
      for (const type of INPUT_EVENTS) window.removeEventListener(type, onInput, { capture: true });
      window.clearTimeout(timer.current);
      setState('active');
    };
  }, [enabled, check, idleMs, warningMs]);

  return { state, still };
}

// The kiosk's pure decisions: the Electron shell's (window options, closing, quitting, keys, following the
// core) and the core's (when a window out of kiosk goes back).
import { describe, expect, it } from 'vitest';
import { KIOSK_SIGN_IN_GRACE_MS, KioskState, kioskReturnReason } from '../../src/main/core/kiosk';
import { KIOSK_IDLE_MS, KIOSK_WARNING_MS, inactivityPhase } from '../../src/shared/kiosk';
import {
  isKioskBlockedKey,
  kioskTransition,
  kioskWindowOptions,
  mayCloseWindow,
  mayQuit,
} from '../../src/main/shell/kiosk-window';

const key = (k: string, mods: Partial<{ control: boolean; meta: boolean; alt: boolean; shift: boolean }> = {}) => ({
  type: 'keyDown',
  key: k,
  control: false,
  meta: false,
  alt: false,
  shift: false,
  ...mods,
});

describe('the kiosk window', () => {
  it('starts in kiosk on a kiosk computer, with developer tools off even in development', () => {
    expect(kioskWindowOptions({ kioskPolicy: true, isPackaged: false })).toEqual({ kiosk: true, devTools: false });
    expect(kioskWindowOptions({ kioskPolicy: true, isPackaged: true })).toEqual({ kiosk: true, devTools: false });
    expect(kioskWindowOptions({ kioskPolicy: false, isPackaged: false })).toEqual({ kiosk: false, devTools: true });
    expect(kioskWindowOptions({ kioskPolicy: false, isPackaged: true })).toEqual({ kiosk: false, devTools: false });
  });

  it('cannot be closed or quit while in kiosk, unless the system is ending', () => {
    expect(mayCloseWindow({ windowInKiosk: true, systemEnding: false })).toBe(false);
    expect(mayCloseWindow({ windowInKiosk: true, systemEnding: true })).toBe(true);
    expect(mayCloseWindow({ windowInKiosk: false, systemEnding: false })).toBe(true);
    expect(mayQuit({ kioskWindowOpen: true, systemEnding: false })).toBe(false);
    expect(mayQuit({ kioskWindowOpen: true, systemEnding: true })).toBe(true);
    expect(mayQuit({ kioskWindowOpen: false, systemEnding: false })).toBe(true);
  });

  it('swallows the keys that close, quit, reload, leave full screen or open developer tools, and keeps zoom', () => {
    const blocked = [
      key('F4', { alt: true }),
      key('F4', { control: true }),
      key('w', { control: true }),
      key('W', { meta: true, shift: true }),
      key('q', { meta: true }),
      key('q', { control: true }),
      key('r', { control: true }),
      key('R', { control: true, shift: true }),
      key('F5'),
      key('F11'),
      key('F12'),
      key('f', { control: true, meta: true }),
      key('h', { meta: true }),
      key('m', { meta: true }),
      key('I', { control: true, shift: true }),
      key('i', { meta: true, alt: true }),
      key('p', { control: true }),
    ];
    for (const input of blocked) expect(isKioskBlockedKey(input), JSON.stringify(input)).toBe(true);
    const allowed = [
      key('F4'),
      key('a'),
      key('Tab'),
      key('Tab', { shift: true }),
      key('Enter'),
      key('Escape'),
      key('+', { control: true }),
      key('-', { control: true }),
      key('0', { control: true }),
      key('c', { control: true }), // copy
      key('v', { control: true }), // paste
      key('i', { alt: true }),
      { ...key('F4', { alt: true }), type: 'keyUp' },
    ];
    for (const input of allowed) expect(isKioskBlockedKey(input), JSON.stringify(input)).toBe(false);
  });

  it('follows the core: leaves kiosk after an exit, enters it again on the return, else leaves the window be', () => {
    expect(kioskTransition(true, false)).toBe('leave');
    expect(kioskTransition(false, true)).toBe('enter');
    expect(kioskTransition(true, true)).toBeNull();
    expect(kioskTransition(false, false)).toBeNull();
  });
});

describe('a window out of kiosk', () => {
  const now = 1_000_000;
  it('waits two minutes for a sign-in, then goes back', () => {
    const s = { signInBy: now + KIOSK_SIGN_IN_GRACE_MS, sawSession: false };
    expect(kioskReturnReason(s, 'none', now)).toBeNull();
    expect(kioskReturnReason(s, 'none', now + KIOSK_SIGN_IN_GRACE_MS - 1)).toBeNull();
    expect(kioskReturnReason(s, 'none', now + KIOSK_SIGN_IN_GRACE_MS)).toBe('no_sign_in');
  });
  it('stays out while a session is open and unlocked; goes back when it ends or locks', () => {
    const s = { signInBy: now, sawSession: true };
    expect(kioskReturnReason(s, 'active', now + 3_600_000)).toBeNull();
    expect(kioskReturnReason(s, 'none', now + 1)).toBe('session_ended');
    expect(kioskReturnReason({ ...s, sawSession: false }, 'locked', now)).toBe('session_locked');
  });
  it('is one window: the others stay kiosks, and a window that closes is forgotten', () => {
    const kiosk = new KioskState(true);
    const told: Array<[string, boolean]> = [];
    kiosk.onChange((caller, active) => told.push([caller, active]));
    kiosk.suspend('a', 7, now);
    expect([kiosk.isActive('a'), kiosk.isActive('b')]).toEqual([false, true]);
    expect(kiosk.returnsInSeconds('a', now + 30_000)).toBe(90);
    expect(kiosk.observe('a', 'active', now + 30_000)).toBeNull();
    expect(kiosk.returnsInSeconds('a', now + 30_000)).toBeNull();
    expect(kiosk.observe('a', 'none', now + 60_000)).toBe('session_ended');
    expect(kiosk.resume('a')).toBe(true);
    expect(kiosk.resume('a')).toBe(false);
    kiosk.suspend('b', 7, now);
    kiosk.forget('b');
    expect(kiosk.isActive('b')).toBe(true);
    expect(told).toEqual([
      ['a', false],
      ['a', true],
      ['b', false],
    ]);
    expect(new KioskState(false).isActive('a')).toBe(false);
  });
});

describe('the kiosk screen without input', () => {
  it('warns 30 seconds before starting over at two minutes', () => {
    expect([KIOSK_IDLE_MS, KIOSK_WARNING_MS]).toEqual([120_000, 30_000]);
    expect(inactivityPhase(0, KIOSK_IDLE_MS, KIOSK_WARNING_MS)).toBe('active');
    expect(inactivityPhase(89_999, KIOSK_IDLE_MS, KIOSK_WARNING_MS)).toBe('active');
    expect(inactivityPhase(90_000, KIOSK_IDLE_MS, KIOSK_WARNING_MS)).toBe('warning');
    expect(inactivityPhase(119_999, KIOSK_IDLE_MS, KIOSK_WARNING_MS)).toBe('warning');
    expect(inactivityPhase(120_000, KIOSK_IDLE_MS, KIOSK_WARNING_MS)).toBe('idle');
    // A computer that slept for an hour starts over at once, with no warning first.
    expect(inactivityPhase(3_600_000, KIOSK_IDLE_MS, KIOSK_WARNING_MS)).toBe('idle');
  });
});

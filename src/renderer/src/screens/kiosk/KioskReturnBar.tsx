// On a kiosk computer out of kiosk (an administrator's exit): a reminder in the corner with "Return to kiosk", and
// the check that brings the kiosk back when the core says so (the staff member signed out, the session locked or
// ended, or nobody signed in within 2 minutes). The core decides; this asks when the screen changes, when the 2
// minutes are up, and once a minute meanwhile (a sign-in left halfway at its code screen ends without a request).
import { Button, Group, Paper, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { call } from '../../api';

const RECHECK_MS = 60_000;

export interface KioskReturnBarProps {
  /** Changes whenever the app's screen changes: each change is a moment to ask the core. */
  screenKey: string;
  /** Signed in now (then "Return to kiosk" also signs out). */
  signedIn: boolean;
  onReturned: () => void;
}

export function KioskReturnBar({ screenKey, signedIn, onReturned }: KioskReturnBarProps) {
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let timer: number | undefined;
    let cancelled = false;
    const ask = () =>
      void call((api) => api.kiosk.status({})).then((result) => {
        if (cancelled) return;
        if (!result.ok) {
          timer = window.setTimeout(ask, RECHECK_MS);
          return;
        }
        if (result.value.active) {
          onReturned();
          return;
        }
        const returns = result.value.returnsInSeconds;
        timer = window.setTimeout(ask, returns === null ? RECHECK_MS : Math.min(RECHECK_MS, returns * 1000 + 500));
      });
    ask();
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [screenKey, onReturned]);

  async function returnNow() {
    setBusy(true);
    const result = await call((api) => api.kiosk.enter({}));
    setBusy(false);
    if (result.ok) onReturned();
  }

  return (
    <Paper
      component="aside"
      aria-label="Kiosk mode"
      withBorder
      shadow="md"
      p="xs"
      pos="fixed"
      bottom={12}
      left={12}
      style={{ zIndex: 250 }}
    >
      <Group gap="sm" wrap="nowrap">
        <Text size="sm">Kiosk mode is off for staff.</Text>
        <Button size="xs" variant="light" onClick={() => void returnNow()} loading={busy}>
          {signedIn ? 'Sign out and return to kiosk' : 'Return to kiosk'}
        </Button>
      </Group>
    </Paper>
  );
}

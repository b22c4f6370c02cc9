// Shown while the clinic's database server cannot be reached: says so plainly and asks again every few seconds,
// so the screen recovers by itself when the server is back.
import { Alert } from '@mantine/core';
import { useEffect } from 'react';
import { call } from '../api';

export const DATABASE_RETRY_MS = 5_000;

export function DatabaseBanner({ state }: { state: 'ok' | 'down' | 'restored' }) {
  useEffect(() => {
    if (state !== 'down') return;
    // A cheap public request: its answer (through the app's call observer) ends the banner once the server is back.
    const timer = window.setInterval(() => void call((api) => api.account.passwordPolicy({})), DATABASE_RETRY_MS);
    return () => window.clearInterval(timer);
  }, [state]);

  if (state === 'ok') return null;
  return (
    <Alert
      role={state === 'down' ? 'alert' : 'status'}
      color={state === 'down' ? 'red' : 'teal'}
      radius={0}
      title={state === 'down' ? 'No connection to the database server' : 'Connection restored'}
      style={{ position: 'sticky', top: 0, zIndex: 300 }}
    >
      {state === 'down'
        ? 'Nothing you do now can be saved. HealthSphere tries again every 5 seconds; tell IT if this lasts.'
        : 'The database server answers again. Repeat what you were doing if it did not finish.'}
    </Alert>
  );
}

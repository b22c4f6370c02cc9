// "Confirm your password": asked when the core answers REAUTH_REQUIRED for a sensitive action (the last password
// is older than 15 minutes). The app's `call` waits for this dialog, then repeats the action once.
import { Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { call, setReauthHandler } from '../api';
import { ErrorAlert, type ShownError } from './ErrorAlert';

interface Pending {
  resolve: (confirmed: boolean) => void;
}

/** Mounted once by the app; registers itself as the handler that `call` asks when a password is needed again. */
export function ReauthDialog() {
  const [pending, setPending] = useState<Pending | null>(null);
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const pendingRef = useRef<Pending | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(
    () =>
      setReauthHandler(
        () =>
          new Promise<boolean>((resolve) => {
            // A second request while the dialog shows waits for the same answer.
            const previous = pendingRef.current;
            const next: Pending = {
              resolve: (confirmed) => {
                previous?.resolve(confirmed);
                resolve(confirmed);
              },
            };
            pendingRef.current = next;
            setPassword('');
            setFieldError(undefined);
            setShown(null);
            setPending(next);
          }),
      ),
    [],
  );

  function finish(confirmed: boolean) {
    const current = pendingRef.current;
    pendingRef.current = null;
    setPending(null);
    setPassword('');
    current?.resolve(confirmed);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (password === '') {
      setFieldError('Enter your password.');
      passwordRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await call((api) => api.session.reauthenticate({ password }));
    setBusy(false);
    if (result.ok) {
      finish(true);
      return;
    }
    setPassword('');
    setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
    passwordRef.current?.focus();
  }

  return (
    <Modal
      opened={pending !== null}
      onClose={() => finish(false)}
      title="Confirm your password"
      centered
      closeButtonProps={{ 'aria-label': 'Cancel' }}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Text>For this action, enter your password again. It has been a while since you last entered it.</Text>
          <ErrorAlert shown={shown} title="We could not confirm your password" />
          <PasswordInput
            ref={passwordRef}
            data-autofocus
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => {
              setPassword(event.currentTarget.value);
              setFieldError(undefined);
            }}
            error={fieldError}
            aria-invalid={fieldError ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show password characters' }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => finish(false)} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Confirm
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

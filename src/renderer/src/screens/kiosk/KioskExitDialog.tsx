// "Staff: exit kiosk": an administrator's email and password (and, with two-step verification, a code) turn kiosk
// mode off in this window. The core checks them as it checks a sign-in (kiosk.exit); nobody is signed in by it.
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useRef, useState, type FormEvent } from 'react';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';

const FIELDS = ['email', 'password', 'code'] as const;
type Field = (typeof FIELDS)[number];

export interface KioskExitDialogProps {
  opened: boolean;
  onClose: () => void;
  onExited: () => void;
}

export function KioskExitDialog({ opened, onClose, onExited }: KioskExitDialogProps) {
  const [values, setValues] = useState<Record<Field, string>>({ email: '', password: '', code: '' });
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const refs = {
    email: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    code: useRef<HTMLInputElement>(null),
  };

  function update(field: Field, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
    setFieldErrors((current) => ({ ...current, [field]: undefined }));
  }

  function close() {
    // Nothing typed here outlives the dialog.
    setValues({ email: '', password: '', code: '' });
    setFieldErrors({});
    setShown(null);
    onClose();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const missing: Partial<Record<Field, string>> = {};
    if (values.email.trim() === '') missing.email = "Enter the administrator's email address.";
    if (values.password === '') missing.password = 'Enter the password.';
    const firstMissing = FIELDS.find((f) => missing[f]);
    if (firstMissing) {
      setShown(null);
      setFieldErrors(missing);
      refs[firstMissing].current?.focus();
      return;
    }
    setBusy(true);
    const code = values.code.trim();
    const result = await call((api) =>
      api.kiosk.exit({ email: values.email, password: values.password, ...(code ? { code } : {}) }),
    );
    setBusy(false);
    if (result.ok) {
      setValues({ email: '', password: '', code: '' });
      onExited();
      return;
    }
    const { fields, other } = fieldMessages(result.error, FIELDS);
    setFieldErrors(fields);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1 }));
    // A wrong password is typed again; a missing or wrong code is typed where it goes.
    const code2fa = result.error.code === 'TWO_FACTOR_REQUIRED' || result.error.code === 'INVALID_TWO_FACTOR_CODE';
    if (code2fa) {
      setValues((current) => ({ ...current, code: '' }));
      refs.code.current?.focus();
    } else {
      setValues((current) => ({ ...current, password: '', code: '' }));
      (fields.email ? refs.email : refs.password).current?.focus();
    }
  }

  return (
    <Modal.Root opened={opened} onClose={close} centered closeOnClickOutside={false}>
      <Modal.Overlay />
      <Modal.Content>
        {/* A plain container: Mantine's <header> would be a second banner landmark on the page. */}
        <Modal.Header role="none">
          <Modal.Title>Exit kiosk mode</Modal.Title>
          <Modal.CloseButton aria-label="Close" />
        </Modal.Header>
        <Modal.Body>
          <form onSubmit={submit} noValidate>
            <Stack gap="md">
              <Text size="sm">
                For clinic staff: an administrator turns kiosk mode off on this computer. Sign-in shows next; the kiosk
                comes back when you sign out, or after 2 minutes if nobody signs in.
              </Text>
              <ErrorAlert shown={shown} title="Kiosk mode stays on" />
              <TextInput
                ref={refs.email}
                data-autofocus
                label="Administrator email"
                type="email"
                autoComplete="off"
                required
                value={values.email}
                onChange={(event) => update('email', event.currentTarget.value)}
                error={fieldErrors.email}
              />
              {/* No "show password" button at a public desk: the next patient could reveal what stays typed. */}
              <TextInput
                type="password"
                ref={refs.password}
                label="Password"
                autoComplete="off"
                required
                value={values.password}
                onChange={(event) => update('password', event.currentTarget.value)}
                error={fieldErrors.password}
                aria-invalid={fieldErrors.password ? true : undefined}
              />
              <TextInput
                ref={refs.code}
                label="Two-step verification code"
                description="If you use two-step verification: the code from your authenticator app, or a backup code"
                autoComplete="off"
                inputMode="text"
                maxLength={40}
                value={values.code}
                onChange={(event) => update('code', event.currentTarget.value)}
                error={fieldErrors.code}
              />
              <Group justify="flex-end">
                <Button variant="default" onClick={close} disabled={busy}>
                  Cancel
                </Button>
                <Button type="submit" loading={busy}>
                  Exit kiosk mode
                </Button>
              </Group>
            </Stack>
          </form>
        </Modal.Body>
      </Modal.Content>
    </Modal.Root>
  );
}

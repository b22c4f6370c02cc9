// Every role's own security: change the password, two-step verification, and see and end the sessions where they
// are signed in.
import { Badge, Button, Card, Group, PasswordInput, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import type { UserSummary } from '../../../../shared/schemas';
import { useFieldErrors } from '../../components/focus';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../components/format';
import { Notice, type NoticeMessage } from '../../components/Notice';
import { checkNewPassword, NewPasswordInputs, usePasswordPolicy } from '../../components/password';
import { TwoFactorCard } from './TwoFactorCard';

const FIELDS = ['currentPassword', 'newPassword', 'confirmPassword'] as const;
type Field = (typeof FIELDS)[number];
type FieldErrors = Partial<Record<Field, string>>;

export function changedText(otherSessionsEnded: number): string {
  if (otherSessionsEnded === 0) return 'Your password was changed. You had no other sessions, so none were signed out.';
  if (otherSessionsEnded === 1) return 'Your password was changed. Your 1 other session was signed out.';
  return `Your password was changed. Your ${otherSessionsEnded} other sessions were signed out.`;
}

function ChangePasswordCard({ user, onChanged }: { user: UserSummary; onChanged: () => void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const policy = usePasswordPolicy();
  const refs: Record<Field, RefObject<HTMLInputElement | null>> = {
    currentPassword: useRef<HTMLInputElement>(null),
    newPassword: useRef<HTMLInputElement>(null),
    confirmPassword: useRef<HTMLInputElement>(null),
  };
  const [fieldErrors, setFieldErrors, showFieldErrors] = useFieldErrors(FIELDS, refs);
  const context = { email: user.email, firstName: user.firstName, lastName: user.lastName };

  function clearField(field: Field) {
    setFieldErrors((errors) => ({ ...errors, [field]: undefined }));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setSubmitted(true);
    setNotice(null);
    const errors: FieldErrors = {
      ...(current === '' ? { currentPassword: 'Enter your current password.' } : {}),
      ...checkNewPassword(password, confirm, context, policy),
    };
    if (showFieldErrors(errors)) {
      setShown(null);
      return;
    }
    setBusy(true);
    const result = await call((api) =>
      api.session.changePassword({ currentPassword: current, newPassword: password, confirmPassword: confirm }),
    );
    setBusy(false);
    if (result.ok) {
      setCurrent('');
      setPassword('');
      setConfirm('');
      setSubmitted(false);
      setFieldErrors({});
      setShown(null);
      setNotice((previous) => ({ text: changedText(result.value.otherSessionsEnded), id: (previous?.id ?? 0) + 1 }));
      onChanged();
      return;
    }
    const { fields, other } = fieldMessages(result.error, FIELDS);
    // The two refusals that concern one field are shown at that field, where the person continues.
    if (result.error.code === 'PASSWORD_MISMATCH') {
      fields.currentPassword ??= result.error.message;
      setCurrent('');
    }
    if (result.error.code === 'WEAK_PASSWORD') fields.newPassword ??= result.error.message;
    const atField = result.error.code === 'PASSWORD_MISMATCH' || result.error.code === 'WEAK_PASSWORD';
    const focused = showFieldErrors(fields);
    if (atField && other.length === 0) setShown(null);
    else setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1, focus: !focused }));
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="change-password-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="change-password-heading">
            Change password
          </Title>
          <Text size="sm" c="dimmed">
            Changing your password signs you out everywhere else.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not change your password" />
        <form onSubmit={submit} noValidate>
          <Stack gap="md" maw={460}>
            <PasswordInput
              ref={refs.currentPassword}
              label="Current password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(event) => {
                setCurrent(event.currentTarget.value);
                clearField('currentPassword');
              }}
              error={fieldErrors.currentPassword}
              // Mantine's PasswordInput does not set it from `error` on its inner input.
              aria-invalid={fieldErrors.currentPassword ? true : undefined}
              visibilityToggleButtonProps={{ 'aria-label': 'Show current password characters' }}
            />
            <NewPasswordInputs
              password={password}
              confirm={confirm}
              onPassword={(value) => {
                setPassword(value);
                clearField('newPassword');
              }}
              onConfirm={(value) => {
                setConfirm(value);
                clearField('confirmPassword');
              }}
              passwordError={fieldErrors.newPassword}
              confirmError={fieldErrors.confirmPassword}
              policy={policy}
              context={context}
              passwordRef={refs.newPassword}
              confirmRef={refs.confirmPassword}
              submitted={submitted}
            />
            <Group>
              <Button type="submit" loading={busy}>
                Change password
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

type SessionRow = ChannelOutput<'session.list'>['sessions'][number];

function SessionsCard({ reloadKey }: { reloadKey: number }) {
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState<number | 'load' | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    setBusy('load');
    const result = await call((api) => api.session.list({}));
    setBusy(null);
    if (result.ok) {
      setSessions(result.value.sessions);
      setShown(null);
    } else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    void load();
  }, [load, reloadKey]);

  async function end(session: SessionRow) {
    if (busy !== null) return;
    setBusy(session.id);
    const result = await call((api) => api.session.end({ sessionId: session.id }));
    setBusy(null);
    if (result.ok) {
      setNotice((previous) => ({
        text: `The session on ${session.workstation} started ${formatDateTime(session.startedAt)} was ended.`,
        id: (previous?.id ?? 0) + 1,
      }));
      await load();
    } else {
      setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
    }
    // The pressed button is gone or was disabled: continue from the list's heading.
    headingRef.current?.focus();
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="sessions-heading">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <Stack gap={4}>
            <Title order={2} size="h3" id="sessions-heading" ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
              Your sessions
            </Title>
            <Text size="sm" c="dimmed">
              Where you are signed in. End any session you do not recognise.
            </Text>
          </Stack>
          <Button variant="default" onClick={() => void load()} loading={busy === 'load'}>
            Refresh sessions
          </Button>
        </Group>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not show or end your sessions" />
        {sessions && (
          <Table striped verticalSpacing="sm" captionSide="top">
            <Table.Caption>
              <VisuallyHidden>Your sessions</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Workstation</Table.Th>
                <Table.Th scope="col">Started</Table.Th>
                <Table.Th scope="col">Last active</Table.Th>
                <Table.Th scope="col">Session</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}>No sessions.</Table.Td>
                </Table.Tr>
              )}
              {sessions.map((session) => (
                <Table.Tr key={session.id}>
                  <Table.Td style={{ overflowWrap: 'break-word' }}>{session.workstation}</Table.Td>
                  <Table.Td>
                    <time dateTime={isoDateTime(session.startedAt)}>{formatDateTime(session.startedAt)}</time>
                  </Table.Td>
                  <Table.Td>
                    <time dateTime={isoDateTime(session.lastActiveAt)}>{formatDateTime(session.lastActiveAt)}</time>
                  </Table.Td>
                  <Table.Td>
                    {session.current ? (
                      <Badge variant="light" size="lg">
                        This session
                      </Badge>
                    ) : (
                      <Button
                        size="sm"
                        variant="default"
                        onClick={() => void end(session)}
                        loading={busy === session.id}
                        disabled={busy !== null && busy !== session.id}
                      >
                        End session
                        <VisuallyHidden>
                          {` on ${session.workstation} started ${formatDateTime(session.startedAt)}`}
                        </VisuallyHidden>
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}

export interface SecurityPanelProps {
  user: UserSummary;
  onSetUpTwoFactor: () => void;
  onNewBackupCodes: (codes: string[]) => void;
}

export function SecurityPanel({ user, onSetUpTwoFactor, onNewBackupCodes }: SecurityPanelProps) {
  const [reloadKey, setReloadKey] = useState(0);
  return (
    <Stack gap="lg">
      <ChangePasswordCard user={user} onChanged={() => setReloadKey((key) => key + 1)} />
      <TwoFactorCard onSetUp={onSetUpTwoFactor} onNewBackupCodes={onNewBackupCodes} />
      <SessionsCard reloadKey={reloadKey} />
    </Stack>
  );
}

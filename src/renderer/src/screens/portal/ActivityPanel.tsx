// One's own recent account activity: sign-ins, failed attempts, changes, with where they happened.
import { Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import { call } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../components/format';

const ACTION_WORDS: Record<string, string> = {
  LOGIN: 'Signed in',
  LOGIN_FAILED: 'Sign-in attempt',
  LOGOUT: 'Signed out',
  SESSION_LOCKED: 'Screen locked',
  SESSION_UNLOCKED: 'Screen unlocked',
  SESSION_EXPIRED: 'Session expired',
  SESSION_ENDED: 'Session ended',
  ACCOUNT_LOCKED: 'Account locked',
  ACCOUNT_UNLOCKED: 'Account unlocked',
  PASSWORD_CHANGED: 'Password changed',
  PASSWORD_RESET: 'Password reset',
  PASSWORD_RESET_REQUESTED: 'Password reset requested',
  EMAIL_VERIFIED: 'Email address verified',
  EMAIL_CODE_SENT: 'Verification code sent',
  USER_CREATED: 'Account created',
  TWO_FACTOR_ENROLLMENT_STARTED: 'Two-step verification setup started',
  TWO_FACTOR_ENABLED: 'Two-step verification turned on',
  TWO_FACTOR_DISABLED: 'Two-step verification turned off',
  TWO_FACTOR_RESET: 'Two-step verification reset',
  TWO_FACTOR_VERIFIED: 'Two-step verification passed',
  TWO_FACTOR_FAILED: 'Two-step verification failed',
  BACKUP_CODE_USED: 'Backup code used',
  BACKUP_CODES_REGENERATED: 'New backup codes made',
  VIEW: 'Record viewed',
  UPDATE: 'Profile changed',
  ROLE_CHANGED: 'Role changed',
  USER_DEACTIVATED: 'Account deactivated',
  USER_REACTIVATED: 'Account reactivated',
  PASSWORD_CHANGE_REQUIRED: 'New password required',
  REAUTHENTICATED: 'Password confirmed',
  RECORD_RESTRICTED: 'Record restriction changed',
  BREAK_GLASS: 'Emergency access to your record',
};

const OUTCOME_WORDS: Record<string, string> = { success: 'Succeeded', failure: 'Failed', denied: 'Refused' };

export function actionInWords(action: string): string {
  return ACTION_WORDS[action] ?? action.toLowerCase().replace(/_/g, ' ');
}

export function ActivityPanel() {
  const [events, setEvents] = useState<ChannelOutput<'account.activity'>['events'] | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  useEffect(() => {
    let live = true;
    void call((api) => api.account.activity({})).then((result) => {
      if (!live) return;
      if (result.ok) setEvents(result.value.events);
      else setShown({ error: result.error, other: [], id: 1 });
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <Stack gap="md">
      <Text>
        What happened on your account lately. If you see something you did not do, change your password and tell the
        clinic.
      </Text>
      <ErrorAlert shown={shown} title="We could not show your activity" />
      {!events && !shown && <Text>Loading your activity…</Text>}
      {events && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped verticalSpacing="sm" captionSide="top">
            <Table.Caption>Recent activity</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Time</Table.Th>
                <Table.Th scope="col">Action</Table.Th>
                <Table.Th scope="col">Outcome</Table.Th>
                <Table.Th scope="col">Workstation</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}>No activity yet.</Table.Td>
                </Table.Tr>
              )}
              {events.map((event, index) => (
                <Table.Tr key={`${event.at}-${index}`}>
                  <Table.Td>
                    <time dateTime={isoDateTime(event.at)}>{formatDateTime(event.at)}</time>
                  </Table.Td>
                  <Table.Td>{actionInWords(event.action)}</Table.Td>
                  <Table.Td>{OUTCOME_WORDS[event.outcome] ?? event.outcome}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{event.workstation ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

// The administrator's overview: users by role and status, failed sign-ins and lockouts over 30 days, emergency
// access to review, and the system status.
import { Button, Card, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import { hasPermission, ROLE_LABELS } from '../../../../shared/roles';
import type { UserSummary } from '../../../../shared/schemas';
import { call } from '../../api';
import { DailyBarChart } from '../../components/DailyBarChart';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../components/format';
import { Notice, type NoticeMessage } from '../../components/Notice';
import { SystemStatusCard } from './SystemStatusCard';

type Summary = ChannelOutput<'reports.securitySummary'>;

const FAILED_COLOR = 'var(--mantine-color-clinic-7)';
const LOCKOUT_COLOR = 'var(--mantine-color-orange-9)';

export function AdminOverviewPanel({ user }: { user: UserSummary }) {
  const [summary, setSummary] = useState<Summary | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [reviewing, setReviewing] = useState<number | null>(null);

  const load = useCallback(async () => {
    const result = await call((api) => api.reports.securitySummary({}));
    if (result.ok) setSummary(result.value);
    else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function review(id: number) {
    if (reviewing !== null) return;
    setReviewing(id);
    const result = await call((api) => api.reports.reviewEmergencyAccess({ id }));
    setReviewing(null);
    if (result.ok) {
      setShown(null);
      setNotice((previous) => ({ text: 'Marked as reviewed.', tone: 'success', id: (previous?.id ?? 0) + 1 }));
      await load();
    } else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1, focus: true }));
  }

  return (
    <Stack gap="md">
      {hasPermission(user.role, 'settings.manage') && <SystemStatusCard />}
      <Notice notice={notice} />
      <ErrorAlert shown={shown} title="We could not load the overview" />
      {!summary && !shown && <Text>Loading the overview…</Text>}
      {summary && (
        <>
          <UsersByRole rows={summary.usersByRole} />
          <SignInChart days={summary.days} />
          <EmergencyReview items={summary.emergencyAccess} reviewing={reviewing} onReview={review} />
        </>
      )}
    </Stack>
  );
}

function UsersByRole({ rows }: { rows: Summary['usersByRole'] }) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="users-by-role-heading">
      <Title order={2} size="h4" id="users-by-role-heading" mb="sm">
        Users by role and status
      </Title>
      <Table verticalSpacing="xs" maw={480}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Role</Table.Th>
            <Table.Th scope="col">Active</Table.Th>
            <Table.Th scope="col">Inactive</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.role}>
              <Table.Th scope="row" fw={500}>
                {ROLE_LABELS[row.role]}
              </Table.Th>
              <Table.Td>{row.active}</Table.Td>
              <Table.Td>{row.inactive}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function SignInChart({ days }: { days: Summary['days'] }) {
  const failed = days.reduce((sum, d) => sum + d.failedSignIns, 0);
  const lockouts = days.reduce((sum, d) => sum + d.lockouts, 0);
  const peak = days.reduce<Summary['days'][number] | null>(
    (best, d) => (d.failedSignIns > (best?.failedSignIns ?? 0) ? d : best),
    null,
  );
  const summaryText =
    `Over the last ${days.length} days: ${failed} failed ${failed === 1 ? 'sign-in' : 'sign-ins'} and ` +
    `${lockouts} ${lockouts === 1 ? 'lockout' : 'lockouts'}` +
    (peak ? `; the most failed sign-ins, ${peak.failedSignIns}, on ${peak.day}.` : '.');

  return (
    <DailyBarChart
      id="sign-in-chart"
      heading="Failed sign-ins and lockouts, last 30 days"
      chartTitle="Failed sign-ins and lockouts per day"
      summary={summaryText}
      tableCaption="Failed sign-ins and lockouts by day"
      days={days}
      series={[
        { label: 'Failed sign-ins', color: FAILED_COLOR, value: (d) => d.failedSignIns },
        { label: 'Lockouts', color: LOCKOUT_COLOR, value: (d) => d.lockouts },
      ]}
    />
  );
}

interface EmergencyReviewProps {
  items: Summary['emergencyAccess'];
  reviewing: number | null;
  onReview: (id: number) => void;
}

function EmergencyReview({ items, reviewing, onReview }: EmergencyReviewProps) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="emergency-review-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="emergency-review-heading">
          Emergency access to review
        </Title>
        {items.length === 0 ? (
          <Text>No emergency access has been declared.</Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table striped verticalSpacing="sm" captionSide="top">
              <Table.Caption>Emergency access</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Patient</Table.Th>
                  <Table.Th scope="col">By</Table.Th>
                  <Table.Th scope="col">Reason</Table.Th>
                  <Table.Th scope="col">From</Table.Th>
                  <Table.Th scope="col">Until</Table.Th>
                  <Table.Th scope="col">Review</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((item) => (
                  <Table.Tr key={item.id}>
                    <Table.Th scope="row" fw={500}>
                      {item.patientName}
                    </Table.Th>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{item.by}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{item.reason}</Table.Td>
                    <Table.Td>
                      <time dateTime={isoDateTime(item.startedAt)}>{formatDateTime(item.startedAt)}</time>
                    </Table.Td>
                    <Table.Td>
                      <time dateTime={isoDateTime(item.expiresAt)}>{formatDateTime(item.expiresAt)}</time>
                    </Table.Td>
                    <Table.Td>
                      {item.reviewedAt !== null ? (
                        <Text size="sm">Reviewed {formatDateTime(item.reviewedAt)}</Text>
                      ) : (
                        <Button
                          size="sm"
                          variant="light"
                          loading={reviewing === item.id}
                          onClick={() => onReview(item.id)}
                          aria-label={`Mark reviewed: ${item.patientName}, by ${item.by}`}
                        >
                          Mark reviewed
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}

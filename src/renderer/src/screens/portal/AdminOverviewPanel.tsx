// The administrator's overview: users by role and status, failed sign-ins and lockouts over 30 days, emergency
// access to review, and the system status.
import { Box, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import { hasPermission, ROLE_LABELS } from '../../../../shared/roles';
import type { UserSummary } from '../../../../shared/schemas';
import { call } from '../../api';
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
  const max = Math.max(1, ...days.map((d) => Math.max(d.failedSignIns, d.lockouts)));
  const width = 600;
  const height = 160;
  const slot = width / Math.max(days.length, 1);
  const bar = Math.max(2, slot / 2 - 2);
  const peak = days.reduce<Summary['days'][number] | null>(
    (best, d) => (d.failedSignIns > (best?.failedSignIns ?? 0) ? d : best),
    null,
  );
  const summaryText =
    `Over the last ${days.length} days: ${failed} failed ${failed === 1 ? 'sign-in' : 'sign-ins'} and ` +
    `${lockouts} ${lockouts === 1 ? 'lockout' : 'lockouts'}` +
    (peak ? `; the most failed sign-ins, ${peak.failedSignIns}, on ${peak.day}.` : '.');

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="sign-in-chart-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="sign-in-chart-heading">
          Failed sign-ins and lockouts, last 30 days
        </Title>
        <Text>{summaryText}</Text>
        <Group gap="lg" aria-hidden="true">
          <Group gap={6}>
            <Box w={14} h={14} style={{ background: FAILED_COLOR }} />
            <Text size="sm">Failed sign-ins</Text>
          </Group>
          <Group gap={6}>
            <Box w={14} h={14} style={{ background: LOCKOUT_COLOR }} />
            <Text size="sm">Lockouts</Text>
          </Group>
        </Group>
        <svg
          viewBox={`0 0 ${width} ${height + 20}`}
          width="100%"
          role="img"
          aria-labelledby="sign-in-chart-title sign-in-chart-desc"
          style={{ maxWidth: width }}
        >
          <title id="sign-in-chart-title">Failed sign-ins and lockouts per day</title>
          <desc id="sign-in-chart-desc">{summaryText}</desc>
          <line x1={0} y1={height} x2={width} y2={height} stroke="var(--mantine-color-gray-7)" />
          {days.map((d, i) => {
            const x = i * slot + 1;
            const hf = (d.failedSignIns / max) * (height - 10);
            const hl = (d.lockouts / max) * (height - 10);
            return (
              <g key={d.day}>
                <rect x={x} y={height - hf} width={bar} height={hf} fill={FAILED_COLOR} />
                <rect x={x + bar + 1} y={height - hl} width={bar} height={hl} fill={LOCKOUT_COLOR} />
              </g>
            );
          })}
          <text x={0} y={height + 16} fontSize={12} fill="var(--mantine-color-gray-9)">
            {days[0]?.day}
          </text>
          <text x={width} y={height + 16} fontSize={12} textAnchor="end" fill="var(--mantine-color-gray-9)">
            {days[days.length - 1]?.day}
          </text>
        </svg>
        <details>
          <summary style={{ cursor: 'pointer' }}>
            <Text component="span" fw={500}>
              The numbers by day
            </Text>
          </summary>
          <Table verticalSpacing={4} maw={480} mt="xs" captionSide="top">
            <Table.Caption>Failed sign-ins and lockouts by day</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Day</Table.Th>
                <Table.Th scope="col">Failed sign-ins</Table.Th>
                <Table.Th scope="col">Lockouts</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {days.map((d) => (
                <Table.Tr key={d.day}>
                  <Table.Th scope="row" fw={400}>
                    {d.day}
                  </Table.Th>
                  <Table.Td>{d.failedSignIns}</Table.Td>
                  <Table.Td>{d.lockouts}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </details>
      </Stack>
    </Card>
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

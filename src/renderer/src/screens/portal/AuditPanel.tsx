// The administrator's audit trail: what is recorded and for how long, finding events and reading one in full,
// exporting the filtered set, verifying the MAC chain, signed checkpoints, and activity over the last 30 days.
import { Card, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import { call } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatCount, formatDate, isoDateTime } from '../../components/format';
import { AuditCharts } from './audit/AuditCharts';
import { AuditExportCard } from './audit/AuditExportCard';
import { AuditIntegrityCard } from './audit/AuditIntegrityCard';
import { AuditSearch, type AppliedSearch } from './audit/AuditSearch';

type Stats = ChannelOutput<'audit.stats'>;

const DAY_MS = 24 * 60 * 60 * 1000;
const CHART_DAYS = 30;

/** The last 30 UTC days, today included: from the first millisecond of the first to now. */
function lastDays(now: number): { from: number; to: number } {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { from: today - (CHART_DAYS - 1) * DAY_MS, to: now };
}

export function AuditPanel() {
  const [stats, setStats] = useState<Stats | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [search, setSearch] = useState<AppliedSearch>({ filters: {}, sort: 'newest' });

  useEffect(() => {
    let live = true;
    void call((api) => api.audit.stats(lastDays(Date.now()))).then((result) => {
      if (!live) return;
      if (result.ok) setStats(result.value);
      else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <Stack gap="lg">
      <Card withBorder padding="lg" component="section" aria-labelledby="audit-heading">
        <Stack gap="xs">
          <Title order={2} size="h3" id="audit-heading">
            Audit trail
          </Title>
          <Text>
            Auditing is always on and cannot be turned off: every sign-in, change, view of patient information and
            refused request is recorded, with who, when, where and what.
          </Text>
          {stats && (
            <Text>
              Events are kept for at least {stats.retentionYears} years. The trail holds{' '}
              {formatCount(stats.totalEvents)} {stats.totalEvents === 1 ? 'event' : 'events'}
              {stats.oldestAt !== null && (
                <>
                  , the oldest from <time dateTime={isoDateTime(stats.oldestAt)}>{formatDate(stats.oldestAt)}</time>
                </>
              )}
              .
            </Text>
          )}
          <ErrorAlert shown={shown} title="We could not load the audit statistics" />
        </Stack>
      </Card>
      <AuditSearch onApplied={setSearch} />
      <AuditExportCard search={search} />
      <AuditIntegrityCard />
      {stats && <AuditCharts days={stats.days} />}
    </Stack>
  );
}

// Events per day and failed sign-ins per day over the last 30 days, each as a bar chart with a written summary.
import { Stack } from '@mantine/core';
import type { ChannelOutput } from '../../../../../shared/contract';
import { DailyBarChart } from '../../../components/DailyBarChart';
import { formatCount } from '../../../components/format';

type Day = ChannelOutput<'audit.stats'>['days'][number];

const EVENTS_COLOR = 'var(--mantine-color-clinic-7)';
const FAILED_COLOR = 'var(--mantine-color-red-9)';

function summary(days: Day[], value: (d: Day) => number, one: string, many: string): string {
  const total = days.reduce((sum, d) => sum + value(d), 0);
  const peak = days.reduce<Day | null>((best, d) => (value(d) > (best ? value(best) : 0) ? d : best), null);
  return (
    `Over the last ${days.length} days: ${formatCount(total)} ${total === 1 ? one : many}` +
    (peak ? `; the most, ${formatCount(value(peak))}, on ${peak.day}.` : '.')
  );
}

export function AuditCharts({ days }: { days: Day[] }) {
  return (
    // One above the other: side by side, the day labels under the bars would be too small to read.
    <Stack gap="lg">
      <DailyBarChart
        id="audit-events-chart"
        heading="Events per day, last 30 days"
        chartTitle="Audit events per day"
        summary={summary(days, (d) => d.events, 'event', 'events')}
        tableCaption="Audit events by day"
        days={days}
        series={[{ label: 'Events', color: EVENTS_COLOR, value: (d) => d.events }]}
      />
      <DailyBarChart
        id="audit-failed-chart"
        heading="Failed sign-ins per day, last 30 days"
        chartTitle="Failed sign-ins per day"
        summary={summary(days, (d) => d.failedSignIns, 'failed sign-in', 'failed sign-ins')}
        tableCaption="Failed sign-ins by day"
        days={days}
        series={[{ label: 'Failed sign-ins', color: FAILED_COLOR, value: (d) => d.failedSignIns }]}
      />
    </Stack>
  );
}

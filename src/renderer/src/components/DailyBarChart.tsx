// Counts per day as a bar chart in a card: an SVG image named by its title and described by a written summary,
// with the same numbers in a table under "The numbers by day" for those who cannot see the bars.
import { Box, Card, Group, Stack, Table, Text, Title } from '@mantine/core';

export interface DailySeries<D> {
  label: string;
  /** A CSS colour for the bars (and the legend, when there is more than one series). */
  color: string;
  value: (day: D) => number;
}

export interface DailyBarChartProps<D extends { day: string }> {
  /** Prefix of the element ids (heading, title, description): unique on the screen. */
  id: string;
  heading: string;
  /** The image's accessible name. */
  chartTitle: string;
  /** What the bars show, in words: shown above the chart and given as its description. */
  summary: string;
  tableCaption: string;
  days: D[];
  series: DailySeries<D>[];
}

export function DailyBarChart<D extends { day: string }>({
  id,
  heading,
  chartTitle,
  summary,
  tableCaption,
  days,
  series,
}: DailyBarChartProps<D>) {
  const max = Math.max(1, ...days.flatMap((d) => series.map((s) => s.value(d))));
  const width = 600;
  const height = 160;
  const slot = width / Math.max(days.length, 1);
  const bar = Math.max(2, slot / Math.max(series.length, 1) - 2);

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={`${id}-heading`}>
      <Stack gap="sm">
        <Title order={2} size="h4" id={`${id}-heading`}>
          {heading}
        </Title>
        <Text>{summary}</Text>
        {series.length > 1 && (
          <Group gap="lg" aria-hidden="true">
            {series.map((s) => (
              <Group gap={6} key={s.label}>
                <Box w={14} h={14} style={{ background: s.color }} />
                <Text size="sm">{s.label}</Text>
              </Group>
            ))}
          </Group>
        )}
        <svg
          viewBox={`0 0 ${width} ${height + 20}`}
          width="100%"
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          style={{ maxWidth: width }}
        >
          <title id={`${id}-title`}>{chartTitle}</title>
          <desc id={`${id}-desc`}>{summary}</desc>
          <line x1={0} y1={height} x2={width} y2={height} stroke="var(--mantine-color-gray-7)" />
          {days.map((d, i) => {
            const x = i * slot + 1;
            return (
              <g key={d.day}>
                {series.map((s, k) => {
                  const h = (s.value(d) / max) * (height - 10);
                  return (
                    <rect key={s.label} x={x + k * (bar + 1)} y={height - h} width={bar} height={h} fill={s.color} />
                  );
                })}
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
            <Table.Caption>{tableCaption}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Day</Table.Th>
                {series.map((s) => (
                  <Table.Th scope="col" key={s.label}>
                    {s.label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {days.map((d) => (
                <Table.Tr key={d.day}>
                  <Table.Th scope="row" fw={400}>
                    {d.day}
                  </Table.Th>
                  {series.map((s) => (
                    <Table.Td key={s.label}>{s.value(d)}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </details>
      </Stack>
    </Card>
  );
}

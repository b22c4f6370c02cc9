// Whether mail leaves this computer now, in the core's words: calm when it does, a yellow box to act on when not.
import { Group, Paper, Text } from '@mantine/core';
import type { MailDeliveryStatus } from '../../../../../shared/mail';
import { CheckIcon, InfoIcon } from '../../../components/icons';

export function DeliveryMessage({ delivery }: { delivery: MailDeliveryStatus }) {
  const ready = delivery.state === 'ready';
  return (
    <Paper
      withBorder
      p="sm"
      bg={ready ? 'clinic.0' : 'yellow.0'}
      style={{ borderColor: ready ? 'var(--mantine-color-clinic-3)' : 'var(--mantine-color-yellow-6)' }}
      data-testid="mail-delivery-message"
    >
      <Group gap="sm" wrap="nowrap" align="flex-start" c={ready ? 'clinic.9' : 'dark.9'}>
        {ready ? <CheckIcon /> : <InfoIcon />}
        <Text size="sm" fw={500} c={ready ? 'clinic.9' : 'dark.9'}>
          {delivery.message}
        </Text>
      </Group>
    </Paper>
  );
}

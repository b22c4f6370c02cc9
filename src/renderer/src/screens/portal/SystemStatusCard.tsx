// What an administrator should know about this installation: how the data key is protected, whether mail works,
// and any warning the core has (for example a key file used because the OS keychain would keep it in plain text).
import { Alert, Card, List, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import { call } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { InfoIcon } from '../../components/icons';

type SystemStatus = ChannelOutput<'system.status'>;

export const KEY_PROTECTION_LABELS: Record<SystemStatus['keyProtection'], string> = {
  'os-keychain': 'OS keychain',
  'key-file': 'key file',
  environment: 'environment',
};

export function SystemStatusCard() {
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);

  useEffect(() => {
    let live = true;
    void call((api) => api.system.status({})).then((result) => {
      if (!live) return;
      if (result.ok) setStatus(result.value);
      else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <Card withBorder padding="lg" mb="md" component="section" aria-labelledby="system-status-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="system-status-heading">
          System status
        </Title>
        <ErrorAlert shown={shown} title="We could not show the system status" />
        {!status && !shown && <Text size="sm">Loading the system status…</Text>}
        {status && status.warnings.length > 0 && (
          // A warning to act on, not an error of something just done: a status region, not an alert.
          <Alert
            role="status"
            color="yellow"
            variant="light"
            title={status.warnings.length === 1 ? 'Warning' : 'Warnings'}
            icon={<InfoIcon />}
            styles={{
              title: { color: 'var(--mantine-color-dark-9)' },
              message: { color: 'var(--mantine-color-dark-9)' },
            }}
          >
            {status.warnings.length === 1 ? (
              status.warnings[0]
            ) : (
              <List size="sm">
                {status.warnings.map((warning) => (
                  <List.Item key={warning}>{warning}</List.Item>
                ))}
              </List>
            )}
          </Alert>
        )}
        {status && (
          <Stack gap={4}>
            <Text>Data key protected by: {KEY_PROTECTION_LABELS[status.keyProtection]}</Text>
            <Text>Mail: {status.mailConfigured ? 'configured' : 'not configured'}</Text>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

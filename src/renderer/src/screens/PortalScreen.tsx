import { AppShell, Badge, Button, Card, Container, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ROLE_LABELS, type Role } from '../../../shared/roles';
import type { UserSummary } from '../../../shared/schemas';
import { call } from '../api';
import { Brand } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';

export function portalName(role: Role): string {
  return `${ROLE_LABELS[role]} portal`;
}

interface Upcoming {
  title: string;
  text: string;
}

const PROFILE: Upcoming = {
  title: 'Profile and security',
  text: 'Your profile and security settings, including two-step verification, will appear here.',
};

// Honest about this first version: each portal names what will come, and nothing more.
const UPCOMING: Record<Role, Upcoming[]> = {
  patient: [PROFILE],
  doctor: [PROFILE, { title: 'Patients', text: 'The patient profiles you are allowed to see will appear here.' }],
  nurse: [PROFILE, { title: 'Patients', text: 'The patient profiles you are allowed to see will appear here.' }],
  admin: [
    PROFILE,
    { title: 'User accounts', text: 'Managing accounts, roles and locked accounts will appear here.' },
    { title: 'Audit trail', text: 'The audit trail of sign-ins and changes will appear here.' },
  ],
};

export interface PortalScreenProps {
  user: UserSummary;
  /** The session has ended, whether by signing out here or because the core says it is gone. */
  onSignedOut: (reason: 'signed-out' | 'expired', message?: string) => void;
}

export function PortalScreen({ user, onSignedOut }: PortalScreenProps) {
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  const fullName = `${user.firstName} ${user.lastName}`;
  const roleLabel = ROLE_LABELS[user.role];

  async function signOut() {
    if (busy) return;
    setBusy(true);
    const result = await call((api) => api.session.signOut({}));
    setBusy(false);
    if (result.ok) onSignedOut('signed-out');
    else if (result.error.code === 'NOT_SIGNED_IN' || result.error.code === 'SESSION_EXPIRED')
      onSignedOut('expired', result.error.message);
    else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1, focus: true }));
  }

  return (
    <AppShell header={{ height: 72 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <Brand />
            <Text visibleFrom="sm" fw={500} pl="md" style={{ borderLeft: '1px solid var(--mantine-color-gray-4)' }}>
              {portalName(user.role)}
            </Text>
          </Group>
          <Group gap="md" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="xs">
              <Text fw={600} size="sm">
                {fullName}
              </Text>
              <Text size="sm" c="dimmed">
                {roleLabel}
              </Text>
            </Stack>
            <Button variant="default" onClick={signOut} loading={busy}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main bg="gray.0">
        <Container size="md" py="lg">
          <Stack gap="lg">
            <Stack gap="xs">
              <Title order={1} ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
                {portalName(user.role)}
              </Title>
              <Group gap="sm">
                <Text size="lg">Welcome, {fullName}.</Text>
                <Badge variant="light" size="lg">
                  {roleLabel}
                </Badge>
              </Group>
              <Text>
                Signed in as{' '}
                <Text component="strong" fw={700} style={{ overflowWrap: 'anywhere' }}>
                  {user.email}
                </Text>
                . On a shared workstation, sign out when you leave.
              </Text>
            </Stack>
            <ErrorAlert shown={shown} title="We could not sign you out" />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {UPCOMING[user.role].map((item) => (
                <Card key={item.title} withBorder padding="lg">
                  <Title order={2} size="h4" mb="xs">
                    {item.title}
                  </Title>
                  <Text>{item.text}</Text>
                </Card>
              ))}
            </SimpleGrid>
          </Stack>
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

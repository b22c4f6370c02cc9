import { Center, Loader, Stack, Text, Title } from '@mantine/core';
import { Brand } from '../components/AuthLayout';

/** Shown while the app asks the core whether someone is already signed in. */
export function LoadingScreen() {
  return (
    <Center component="main" mih="100vh" bg="gray.0">
      <Stack align="center" gap="md" aria-busy="true">
        <Brand />
        <Title order={1} size="h4" fw={500}>
          Opening HealthSphere
        </Title>
        <Loader aria-hidden="true" />
        <Text size="sm">Checking whether you are signed in…</Text>
      </Stack>
    </Center>
  );
}

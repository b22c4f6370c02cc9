import { Box, Container, Group, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { BrandMark } from './icons';

export function Brand() {
  return (
    <Group gap="xs" wrap="nowrap">
      <BrandMark />
      <Text component="span" fw={700} size="xl" c="clinic.9">
        HealthSphere
      </Text>
    </Group>
  );
}

/** The frame of the signed-out screens: the brand in a banner, one card in <main>. */
export function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <Box bg="gray.0" mih="100vh">
      <Box component="header" pt={48} pb="lg">
        <Container size={460}>
          <Brand />
        </Container>
      </Box>
      <Container component="main" size={460} pb={48}>
        <Paper withBorder shadow="sm" p={{ base: 'lg', xs: 'xl' }}>
          <Stack gap="lg">{children}</Stack>
        </Paper>
      </Container>
    </Box>
  );
}

// Screens and portal tabs loaded on demand (see screens/onDemand.ts): what shows while one arrives — a spinner that
// assistive technology skips, and words in a polite live region that it reads — and what shows if one cannot be
// loaded, instead of an empty window.
import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import { Component, Suspense, type ErrorInfo, type ReactNode } from 'react';

/** In place of a whole screen. */
export function ScreenLoading() {
  return (
    <Center component="main" mih="100vh" bg="gray.0">
      <Stack align="center" gap="md" role="status" aria-busy="true">
        <Loader aria-hidden="true" />
        <Text size="sm">Loading…</Text>
      </Stack>
    </Center>
  );
}

/** In place of a portal tab's content. */
export function PanelLoading() {
  return (
    <Group gap="sm" py="md" role="status" aria-busy="true">
      <Loader size="sm" aria-hidden="true" />
      <Text size="sm">Loading…</Text>
    </Group>
  );
}

interface BoundaryProps {
  kind: 'screen' | 'panel';
  /** When it changes (another screen or tab), a failure shown here is forgotten. */
  resetKey?: string;
  children: ReactNode;
}

/**
 * Catches what fails below it — a part of the app that could not be loaded, or a screen that failed to show — and
 * says so with a way out (reloading the page), instead of leaving the window empty.
 */
class FailureBoundary extends Component<BoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('A part of HealthSphere could not be shown.', error, info.componentStack);
  }

  override componentDidUpdate(previous: BoundaryProps): void {
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    const alert = (
      <Alert color="red" title="This part of HealthSphere could not be shown" role="alert" maw={520}>
        <Stack gap="sm" align="flex-start">
          <Text size="sm">Reload to try again. Tell your administrator if it keeps happening.</Text>
          <Button variant="default" onClick={() => window.location.reload()}>
            Reload
          </Button>
        </Stack>
      </Alert>
    );
    return this.props.kind === 'screen' ? (
      <Center component="main" mih="100vh" bg="gray.0" p="md">
        {alert}
      </Center>
    ) : (
      alert
    );
  }
}

/** A screen or a tab's content that may still be on its way: its loading state, and its failure. */
export function OnDemand({ kind, resetKey, children }: BoundaryProps) {
  return (
    <FailureBoundary kind={kind} resetKey={resetKey}>
      <Suspense fallback={kind === 'screen' ? <ScreenLoading /> : <PanelLoading />}>{children}</Suspense>
    </FailureBoundary>
  );
}

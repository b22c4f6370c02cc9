// The front-desk kiosk (issue 8, item 7): a start screen, the app's own registration and email verification
// screens, an end screen, and a discreet "Staff: exit kiosk" for an administrator. After 2 minutes without input
// it starts over, dropping everything typed (a warning shows 30 seconds before). The core enforces the kiosk; this
// is only what a patient at the desk sees.
import { Alert, Box, Button, Group, Text } from '@mantine/core';
import { Suspense, useCallback, useState } from 'react';
import { InfoIcon } from '../../components/icons';
import { ScreenLoading } from '../../components/Loading';
// The app's own screens, loaded when first shown (the registration form brings the password dictionaries): the
// kiosk's start screen shows at once.
import { RegisterScreen, VerifyEmailScreen } from '../onDemand';
import { KioskExitDialog } from './KioskExitDialog';
import { KioskCodeEmailScreen, KioskDoneScreen, KioskStartScreen } from './KioskSteps';
import { KIOSK_WARNING_MS, useInactivity } from './useInactivity';

const DARK = 'var(--mantine-color-dark-9)';

type Step =
  | { name: 'start' }
  | { name: 'register' }
  | { name: 'codeEmail' }
  | { name: 'verify'; email: string }
  | { name: 'done' };

export interface KioskScreenProps {
  /** An administrator's email and password turned kiosk mode off in this window. */
  onExited: () => void;
}

export function KioskScreen({ onExited }: KioskScreenProps) {
  const [step, setStep] = useState<Step>({ name: 'start' });
  const [exitOpen, setExitOpen] = useState(false);
  // Starting over mounts every screen afresh: nothing typed survives in any component's state.
  const [round, setRound] = useState(0);

  const startOver = useCallback(() => {
    setExitOpen(false);
    setStep({ name: 'start' });
    setRound((r) => r + 1);
  }, []);
  const idle = useInactivity(step.name !== 'start' || exitOpen, startOver);

  return (
    <Box key={round}>
      {idle.state === 'warning' && (
        <Box
          component="aside"
          aria-label="Inactivity warning"
          pos="fixed"
          top={12}
          left={12}
          right={12}
          style={{ zIndex: 400 }}
        >
          <Alert
            role="alert"
            color="yellow"
            variant="filled"
            icon={<InfoIcon />}
            title="Are you still there?"
            // Dark words on the yellow: white ones would not be readable enough (WCAG contrast).
            styles={{ title: { color: DARK }, icon: { color: DARK }, message: { color: DARK } }}
          >
            <Group justify="space-between" gap="sm">
              <Text size="sm" c="dark.9">
                For your privacy, this screen starts over in {KIOSK_WARNING_MS / 1000} seconds and clears what you
                typed.
              </Text>
              <Button size="xs" color="dark" onClick={idle.still}>
                I am still here
              </Button>
            </Group>
          </Alert>
        </Box>
      )}
      <Suspense fallback={<ScreenLoading />}>{renderStep()}</Suspense>
      <Box component="footer" pos="fixed" bottom={8} right={8}>
        <Button variant="subtle" color="dark" size="xs" onClick={() => setExitOpen(true)}>
          Staff: exit kiosk
        </Button>
      </Box>
      <KioskExitDialog opened={exitOpen} onClose={() => setExitOpen(false)} onExited={onExited} />
    </Box>
  );

  function renderStep() {
    switch (step.name) {
      case 'start':
        return (
          <KioskStartScreen
            onRegister={() => setStep({ name: 'register' })}
            onHaveCode={() => setStep({ name: 'codeEmail' })}
          />
        );
      case 'register':
        return (
          <RegisterScreen
            onRegistered={(email) => setStep({ name: 'verify', email })}
            onBack={startOver}
            backLabel="Back to start"
            backPrompt={null}
          />
        );
      case 'codeEmail':
        return <KioskCodeEmailScreen onContinue={(email) => setStep({ name: 'verify', email })} onBack={startOver} />;
      case 'verify':
        return (
          <VerifyEmailScreen
            key={`verify-${step.email}`}
            email={step.email}
            onVerified={() => setStep({ name: 'done' })}
            onBack={startOver}
            backLabel="Back to start"
          />
        );
      case 'done':
        return <KioskDoneScreen onFinish={startOver} />;
    }
  }
}

// The renderer's small state machine: which screen is showing, and what it was handed.
import { useEffect, useRef, useState } from 'react';
import type { AppError } from '../../shared/errors';
import type { UserSummary } from '../../shared/schemas';
import { call } from './api';
import type { NoticeMessage } from './components/Notice';
import { LoadingScreen } from './screens/LoadingScreen';
import { PortalScreen } from './screens/PortalScreen';
import { RegisterScreen } from './screens/RegisterScreen';
import { SignInScreen } from './screens/SignInScreen';
import { VerifyEmailScreen } from './screens/VerifyEmailScreen';

type Screen =
  | { name: 'loading' }
  | { name: 'signIn'; email?: string; notice?: NoticeMessage; error?: AppError }
  | { name: 'register' }
  | { name: 'verify'; email: string; notice?: NoticeMessage }
  | { name: 'portal'; user: UserSummary };

let noticeId = 0;
function notice(text: string, tone: NoticeMessage['tone'] = 'success'): NoticeMessage {
  noticeId += 1;
  return { text, tone, id: noticeId };
}

export function App() {
  const [screen, setScreen] = useState<Screen>({ name: 'loading' });
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // StrictMode runs effects twice in development: ask the core once.
    started.current = true;
    void call((api) => api.session.current({})).then((result) => {
      if (result.ok) setScreen(result.value.user ? { name: 'portal', user: result.value.user } : { name: 'signIn' });
      else setScreen({ name: 'signIn', error: result.error });
    });
  }, []);

  // Each screen is keyed so that moving between screens mounts it afresh (state reset, focus placed).
  switch (screen.name) {
    case 'loading':
      return <LoadingScreen />;
    case 'signIn':
      return (
        <SignInScreen
          key={`signIn-${screen.notice?.id ?? 0}`}
          initialEmail={screen.email}
          notice={screen.notice}
          initialError={screen.error}
          onSignedIn={(user) => setScreen({ name: 'portal', user })}
          onNotVerified={(email, message) => setScreen({ name: 'verify', email, notice: notice(message, 'info') })}
          onCreateAccount={() => setScreen({ name: 'register' })}
        />
      );
    case 'register':
      return (
        <RegisterScreen
          onRegistered={(email) => setScreen({ name: 'verify', email })}
          onBack={() => setScreen({ name: 'signIn' })}
        />
      );
    case 'verify':
      return (
        <VerifyEmailScreen
          key={`verify-${screen.email}`}
          email={screen.email}
          notice={screen.notice}
          onVerified={(email) =>
            setScreen({ name: 'signIn', email, notice: notice('Your email address is verified. You can sign in now.') })
          }
          onBack={() => setScreen({ name: 'signIn', email: screen.email })}
        />
      );
    case 'portal':
      return (
        <PortalScreen
          key={`portal-${screen.user.id}`}
          user={screen.user}
          onSignedOut={(reason, message) =>
            setScreen({
              name: 'signIn',
              notice:
                reason === 'signed-out'
                  ? notice('You have signed out.')
                  : notice(message ?? 'Your session has ended. Please sign in again.', 'info'),
            })
          }
        />
      );
  }
}

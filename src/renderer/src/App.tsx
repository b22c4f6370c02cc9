// The renderer's small state machine: which screen is showing, and what it was handed. It also keeps the idle
// lock: it learns from the core when the session would lock, checks then, and shows the Lock screen.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { contract, type ChannelOutput } from '../../shared/contract';
import { ERROR_MESSAGES, type AppError } from '../../shared/errors';
import type { UserSummary } from '../../shared/schemas';
import { call, observeCalls } from './api';
import type { NoticeMessage } from './components/Notice';
import { ForgotPasswordScreen } from './screens/ForgotPasswordScreen';
import { LoadingScreen } from './screens/LoadingScreen';
import { LockScreen } from './screens/LockScreen';
import { PortalScreen } from './screens/PortalScreen';
import { RegisterScreen } from './screens/RegisterScreen';
import { ResetPasswordScreen, resetRequestedText } from './screens/ResetPasswordScreen';
import { SignInScreen } from './screens/SignInScreen';
import { VerifyEmailScreen } from './screens/VerifyEmailScreen';

type Screen =
  | { name: 'loading' }
  | { name: 'signIn'; email?: string; notice?: NoticeMessage; error?: AppError }
  | { name: 'register' }
  | { name: 'verify'; email: string; notice?: NoticeMessage }
  | { name: 'forgot'; email?: string }
  | { name: 'reset'; email: string; notice?: NoticeMessage }
  | { name: 'portal'; user: UserSummary }
  | { name: 'locked'; user: UserSummary };

let noticeId = 0;
function notice(text: string, tone: NoticeMessage['tone'] = 'success'): NoticeMessage {
  noticeId += 1;
  return { text, tone, id: noticeId };
}

/** A second of margin, so that the core has locked the session when the check arrives. */
const CHECK_MARGIN_MS = 1_000;
/** When a check itself fails (the core is unreachable), try again after this long. */
const RETRY_CHECK_MS = 30_000;

type Current = ChannelOutput<'session.current'>;

export function App() {
  const [screen, setScreenState] = useState<Screen>({ name: 'loading' });
  const started = useRef(false);
  const screenRef = useRef<Screen>(screen);
  const idle = useRef<{ timer: number | undefined; seconds: number | null }>({ timer: undefined, seconds: null });

  const stopIdleCheck = useCallback(() => {
    window.clearTimeout(idle.current.timer);
    idle.current.timer = undefined;
  }, []);

  const setScreen = useCallback(
    (next: Screen) => {
      // Only a signed-in, unlocked session has an idle check running.
      if (next.name !== 'portal') stopIdleCheck();
      screenRef.current = next;
      setScreenState(next);
    },
    [stopIdleCheck],
  );

  const sessionEnded = useCallback(
    (message: string = ERROR_MESSAGES.SESSION_EXPIRED) =>
      setScreen({ name: 'signIn', notice: notice(message, 'info') }),
    [setScreen],
  );

  // What session.current says decides the screen of a signed-in window: the portal, the Lock screen, or Sign in.
  const applyCurrentRef = useRef<(current: Current) => void>(() => undefined);
  const scheduleIdleCheck = useCallback(
    (delayMs: number) => {
      stopIdleCheck();
      idle.current.timer = window.setTimeout(() => {
        idle.current.timer = undefined;
        const checked = screenRef.current;
        void call((api) => api.session.current({})).then((result) => {
          if (screenRef.current !== checked) return; // the screen changed meanwhile: that change decides
          if (result.ok) applyCurrentRef.current(result.value);
          else if (screenRef.current.name === 'portal' && idle.current.timer === undefined)
            scheduleIdleCheck(RETRY_CHECK_MS);
        });
      }, delayMs);
    },
    [stopIdleCheck],
  );

  const applyCurrent = useCallback(
    (current: Current) => {
      const shown = screenRef.current;
      if (current.user && current.locked) {
        setScreen({ name: 'locked', user: current.user });
      } else if (current.user) {
        if (shown.name !== 'portal' || shown.user.id !== current.user.id)
          setScreen({ name: 'portal', user: current.user });
        idle.current.seconds = current.idleLockInSeconds;
        if (current.idleLockInSeconds !== null) scheduleIdleCheck(current.idleLockInSeconds * 1000 + CHECK_MARGIN_MS);
      } else if (shown.name === 'portal' || shown.name === 'locked') {
        sessionEnded();
      } else if (shown.name === 'loading') {
        setScreen({ name: 'signIn' });
      }
    },
    [scheduleIdleCheck, sessionEnded, setScreen],
  );
  useLayoutEffect(() => {
    applyCurrentRef.current = applyCurrent;
  }, [applyCurrent]);

  /** Signed in or unlocked: show the portal, then ask the core when the session would lock. */
  const enterPortal = useCallback(
    (user: UserSummary) => {
      setScreen({ name: 'portal', user });
      void call((api) => api.session.current({})).then((result) => {
        if (result.ok && screenRef.current.name === 'portal') applyCurrent(result.value);
      });
    },
    [applyCurrent, setScreen],
  );

  // Every answer from the core: activity postpones the idle check; a locked or ended session changes the screen.
  useEffect(
    () =>
      observeCalls((channel, result) => {
        const shown = screenRef.current;
        if (result.ok) {
          const seconds = idle.current.seconds;
          if (shown.name === 'portal' && contract[channel].activity !== false && seconds !== null) {
            scheduleIdleCheck(seconds * 1000 + CHECK_MARGIN_MS);
          }
          return;
        }
        const { code, message } = result.error;
        if (code === 'SESSION_LOCKED' && shown.name === 'portal') setScreen({ name: 'locked', user: shown.user });
        else if (
          (code === 'SESSION_EXPIRED' || code === 'NOT_SIGNED_IN') &&
          (shown.name === 'portal' || shown.name === 'locked')
        )
          sessionEnded(message);
      }),
    [scheduleIdleCheck, sessionEnded, setScreen],
  );

  useEffect(() => {
    if (started.current) return; // StrictMode runs effects twice in development: ask the core once.
    started.current = true;
    void call((api) => api.session.current({})).then((result) => {
      if (result.ok) applyCurrent(result.value);
      else setScreen({ name: 'signIn', error: result.error });
    });
  }, [applyCurrent, setScreen]);

  useEffect(() => stopIdleCheck, [stopIdleCheck]);

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
          onSignedIn={enterPortal}
          onNotVerified={(email, message) => setScreen({ name: 'verify', email, notice: notice(message, 'info') })}
          onCreateAccount={() => setScreen({ name: 'register' })}
          onForgotPassword={(email) => setScreen({ name: 'forgot', email })}
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
    case 'forgot':
      return (
        <ForgotPasswordScreen
          initialEmail={screen.email}
          onRequested={(email) =>
            setScreen({ name: 'reset', email, notice: notice(resetRequestedText(email), 'info') })
          }
          onBack={(email) => setScreen({ name: 'signIn', email: email || undefined })}
        />
      );
    case 'reset':
      return (
        <ResetPasswordScreen
          key={`reset-${screen.email}`}
          email={screen.email}
          notice={screen.notice}
          onReset={(email) =>
            setScreen({
              name: 'signIn',
              email,
              notice: notice('Your password was changed. Sign in with your new password.'),
            })
          }
          onBack={(email) => setScreen({ name: 'signIn', email })}
        />
      );
    case 'portal':
      return (
        <PortalScreen
          key={`portal-${screen.user.id}`}
          user={screen.user}
          onSignedOut={() => setScreen({ name: 'signIn', notice: notice('You have signed out.') })}
        />
      );
    case 'locked':
      return (
        <LockScreen
          key={`locked-${screen.user.id}`}
          user={screen.user}
          onUnlocked={enterPortal}
          onSwitchedUser={() =>
            setScreen({ name: 'signIn', notice: notice('The locked session was ended. Sign in to continue.') })
          }
        />
      );
  }
}

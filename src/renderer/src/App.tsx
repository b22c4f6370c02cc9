// The renderer's small state machine: which screen is showing, and what it was handed. It also keeps the idle
// lock: it learns from the core when the session would lock, checks then, and shows the Lock screen.
// After the password, two-step verification may come first: a code ('pending') or setting it up ('enroll').
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { contract, type ChannelOutput, type LockReason } from '../../shared/contract';
import { ERROR_MESSAGES, type AppError } from '../../shared/errors';
import type { UserSummary } from '../../shared/schemas';
import { call, observeCalls, onSessionChange } from './api';
import type { NoticeMessage } from './components/Notice';
import { backupCodesLeftText } from './components/twoFactor';
import { DatabaseBanner } from './components/DatabaseBanner';
import { ReauthDialog } from './components/ReauthDialog';
import { OnDemand } from './components/Loading';
import { LoadingScreen } from './screens/LoadingScreen';
// The lock screen is never loaded on demand: it must replace a portal at once, with nothing of it left in the page.
import { LockScreen } from './screens/LockScreen';
import { SignInScreen } from './screens/SignInScreen';
import { resetRequestedText } from './screens/resetText';
// Every screen but loading and Sign in is loaded on demand: the start-up JavaScript stays small (issue 8).
import {
  BackupCodesScreen,
  ChangePasswordScreen,
  EnrollTwoFactorScreen,
  ForgotPasswordScreen,
  PortalScreen,
  RegisterScreen,
  ResetPasswordScreen,
  SetupScreen,
  TwoFactorScreen,
  VerifyEmailScreen,
} from './screens/onDemand';
import { KioskReturnBar, KioskScreen } from './screens/kiosk';

type Screen =
  | { name: 'loading' }
  | { name: 'setup' }
  | { name: 'signIn'; email?: string; notice?: NoticeMessage; error?: AppError }
  | { name: 'register' }
  | { name: 'verify'; email: string; notice?: NoticeMessage }
  | { name: 'forgot'; email?: string }
  | { name: 'reset'; email: string; notice?: NoticeMessage; invitation?: boolean }
  | { name: 'changePassword'; user: UserSummary }
  | { name: 'twoFactor'; user: UserSummary }
  | { name: 'enroll'; user: UserSummary; from: 'signIn' | 'portal' }
  | { name: 'backupCodes'; user: UserSummary; codes: string[]; kind: 'first' | 'new' }
  | { name: 'portal'; user: UserSummary; notice?: NoticeMessage }
  | { name: 'locked'; user: UserSummary; reason?: LockReason }
  | { name: 'kiosk' };

type SessionScreen = Extract<Screen, { name: 'portal' | 'backupCodes' | 'enroll' }>;

/** Screens of a fully signed-in, unlocked session: the idle lock runs while one of them shows. */
function inSession(screen: Screen): screen is SessionScreen {
  return (
    screen.name === 'portal' || screen.name === 'backupCodes' || (screen.name === 'enroll' && screen.from === 'portal')
  );
}

/** Screens that belong to a session, whole or not yet whole: when the core says it ended, Sign in shows. */
function signedIn(screen: Screen): boolean {
  return ['portal', 'backupCodes', 'enroll', 'twoFactor', 'locked', 'changePassword'].includes(screen.name);
}

let noticeId = 0;
function notice(text: string, tone: NoticeMessage['tone'] = 'success'): NoticeMessage {
  noticeId += 1;
  return { text, tone, id: noticeId };
}

/** A second of margin, so that the core has locked the session when the check arrives. */
const CHECK_MARGIN_MS = 1_000;
/** Sign in's notice when automatic logoff ended a sign-in that was not complete. */
const AUTO_LOGOFF_ENDED =
  'The sign-in was ended because this computer was locked, went to sleep or was left unused. Sign in again.';
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
      if (!inSession(next)) stopIdleCheck();
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
          // The screen changed meanwhile, other than within the session: that change decides.
          if (screenRef.current !== checked && !inSession(screenRef.current)) return;
          if (result.ok) applyCurrentRef.current(result.value);
          else if (inSession(screenRef.current) && idle.current.timer === undefined) scheduleIdleCheck(RETRY_CHECK_MS);
        });
      }, delayMs);
    },
    [stopIdleCheck],
  );

  const applyCurrent = useCallback(
    (current: Current) => {
      const shown = screenRef.current;
      const user = current.user;
      if (user && current.twoFactor === 'pending') {
        // Password given, code not yet: nothing but the code, a backup code, or giving up.
        if (shown.name !== 'twoFactor' || shown.user.id !== user.id) setScreen({ name: 'twoFactor', user });
      } else if (user && current.twoFactor === 'enroll') {
        // The role requires two-step verification and it is not set up: nothing else until it is.
        if (shown.name !== 'enroll' || shown.from !== 'signIn' || shown.user.id !== user.id)
          setScreen({ name: 'enroll', user, from: 'signIn' });
      } else if (user && current.locked) {
        setScreen({ name: 'locked', user, reason: current.lockReason });
      } else if (user && current.mustChangePassword) {
        // An administrator requires a new password: nothing else until it is chosen.
        if (shown.name !== 'changePassword' || shown.user.id !== user.id) setScreen({ name: 'changePassword', user });
      } else if (user) {
        // A session screen of the same user stays (the backup codes must not vanish); anything else is the portal.
        if (!inSession(shown) || shown.user.id !== user.id) setScreen({ name: 'portal', user });
        idle.current.seconds = current.idleLockInSeconds;
        if (current.idleLockInSeconds !== null) scheduleIdleCheck(current.idleLockInSeconds * 1000 + CHECK_MARGIN_MS);
      } else if (signedIn(shown)) {
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

  /** Signed in or unlocked: show a screen of the session, then ask the core when the session would lock. */
  const enterSession = useCallback(
    (next: SessionScreen) => {
      setScreen(next);
      void call((api) => api.session.current({})).then((result) => {
        if (result.ok && screenRef.current === next) applyCurrent(result.value);
      });
    },
    [applyCurrent, setScreen],
  );
  const enterPortal = useCallback(
    (user: UserSummary, portalNotice?: NoticeMessage) => enterSession({ name: 'portal', user, notice: portalNotice }),
    [enterSession],
  );

  /** Where a correct password leads: the portal, or two-step verification first. */
  const signedInWith = useCallback(
    (user: UserSummary, twoFactor: Current['twoFactor'], mustChangePassword: boolean) => {
      if (twoFactor === 'pending') setScreen({ name: 'twoFactor', user });
      else if (twoFactor === 'enroll') setScreen({ name: 'enroll', user, from: 'signIn' });
      else if (mustChangePassword) setScreen({ name: 'changePassword', user });
      else enterPortal(user);
    },
    [enterPortal, setScreen],
  );

  const [database, setDatabase] = useState<'ok' | 'down' | 'restored'>('ok');

  // Front-desk kiosk (machine policy): when the core says this window is one, nothing but the kiosk shows.
  const [kioskPolicy, setKioskPolicy] = useState(false);
  const enterKiosk = useCallback(() => {
    setKioskPolicy(true);
    if (screenRef.current.name !== 'kiosk') setScreen({ name: 'kiosk' });
  }, [setScreen]);
  useEffect(() => {
    if (database !== 'restored') return;
    const timer = window.setTimeout(() => setDatabase('ok'), 8_000);
    return () => window.clearTimeout(timer);
  }, [database]);

  // Every answer from the core: activity postpones the idle check; a locked or ended session changes the screen.
  useEffect(
    () =>
      observeCalls((channel, result) => {
        const shown = screenRef.current;
        if (result.ok || result.error.code !== 'DATABASE_UNAVAILABLE')
          setDatabase((state) => (state === 'down' ? 'restored' : state));
        else setDatabase('down');
        if (result.ok) {
          const seconds = idle.current.seconds;
          if (inSession(shown) && contract[channel].activity !== false && seconds !== null) {
            scheduleIdleCheck(seconds * 1000 + CHECK_MARGIN_MS);
          }
          return;
        }
        const { code, message } = result.error;
        if (code === 'KIOSK_MODE') {
          enterKiosk();
          return;
        }
        if (code === 'SESSION_LOCKED' && inSession(shown)) {
          setScreen({ name: 'locked', user: shown.user });
          // The Lock screen shows at once; the core then says why it locked.
          void call((api) => api.session.current({})).then((current) => {
            if (current.ok && screenRef.current.name === 'locked') applyCurrentRef.current(current.value);
          });
        } else if ((code === 'SESSION_EXPIRED' || code === 'NOT_SIGNED_IN') && signedIn(shown)) sessionEnded(message);
        else if (code === 'PASSWORD_CHANGE_REQUIRED' && inSession(shown)) {
          setScreen({ name: 'changePassword', user: shown.user });
        } else if (code === 'TWO_FACTOR_REQUIRED' && inSession(shown)) {
          // The core says this session still owes a second step: let it say which screen comes next.
          void call((api) => api.session.current({})).then((current) => {
            if (current.ok && screenRef.current === shown) applyCurrentRef.current(current.value);
          });
        }
      }),
    [scheduleIdleCheck, sessionEnded, setScreen, enterKiosk],
  );

  useEffect(() => {
    if (started.current) return; // StrictMode runs effects twice in development: ask the core once.
    started.current = true;
    void (async () => {
      // A front-desk kiosk shows its own start screen, and nothing else (not even first-run setup).
      const kiosk = await call((api) => api.kiosk.status({}));
      if (kiosk.ok && kiosk.value.enabled) setKioskPolicy(true);
      if (kiosk.ok && kiosk.value.active) {
        setScreen({ name: 'kiosk' });
        return;
      }
      // First run: no administrator exists yet, so the first one is created before anything else.
      const setup = await call((api) => api.setup.status({}));
      if (setup.ok && setup.value.needsSetup) {
        setScreen({ name: 'setup' });
        return;
      }
      const result = await call((api) => api.session.current({}));
      if (result.ok) applyCurrent(result.value);
      else setScreen({ name: 'signIn', error: result.error });
    })();
  }, [applyCurrent, setScreen]);

  useEffect(() => stopIdleCheck, [stopIdleCheck]);

  // Automatic logoff: the core locked this window's session by itself (this computer's screen locked, it went to
  // sleep, or nobody touched it) and says so at once. Ask what the session is now: the Lock screen replaces whatever
  // showed. A sign-in halfway through two-step verification was ended instead: back to Sign in.
  useEffect(
    () =>
      onSessionChange(() => {
        // Nothing of a session's screen stays up while the core is asked what changed (its answer can be slow,
        // or not come at all with the database down): the lock or sign-in screen follows.
        const wasSignedIn = signedIn(screenRef.current);
        if (wasSignedIn && screenRef.current.name !== 'locked') setScreen({ name: 'loading' });
        const ask = (): void => {
          void call((api) => api.session.current({})).then((result) => {
            if (!result.ok) {
              window.setTimeout(ask, 2_000);
              return;
            }
            if (!result.value.user && wasSignedIn) sessionEnded(AUTO_LOGOFF_ENDED);
            else applyCurrentRef.current(result.value);
          });
        };
        ask();
      }),
    [sessionEnded, setScreen],
  );

  return (
    <>
      <DatabaseBanner state={database} />
      {kioskPolicy && screen.name !== 'kiosk' && screen.name !== 'loading' && (
        <KioskReturnBar screenKey={screen.name} signedIn={signedIn(screen)} onReturned={enterKiosk} />
      )}
      <OnDemand kind="screen" resetKey={screen.name}>
        {renderScreen()}
      </OnDemand>
      <ReauthDialog />
    </>
  );

  // Each screen is keyed so that moving between screens mounts it afresh (state reset, focus placed).
  function renderScreen() {
    switch (screen.name) {
      case 'kiosk':
        return (
          <KioskScreen
            key="kiosk"
            onExited={() =>
              setScreen({
                name: 'signIn',
                notice: notice(
                  'Kiosk mode is off in this window. Sign in within 2 minutes, or the kiosk comes back.',
                  'info',
                ),
              })
            }
          />
        );
      case 'loading':
        return <LoadingScreen />;
      case 'setup':
        return (
          <SetupScreen
            onCreated={(email) =>
              setScreen({
                name: 'signIn',
                email,
                notice: notice(
                  'The administrator account is created. Sign in with it; you will set up two-step verification next.',
                ),
              })
            }
            onAlreadyDone={(message) => setScreen({ name: 'signIn', notice: notice(message, 'info') })}
          />
        );
      case 'changePassword':
        return (
          <ChangePasswordScreen
            key={`changePassword-${screen.user.id}`}
            user={screen.user}
            onChanged={(user) => enterPortal(user, notice('Your new password is saved.'))}
            onSignedOut={() => setScreen({ name: 'signIn', notice: notice('You have signed out.') })}
          />
        );
      case 'signIn':
        return (
          <SignInScreen
            key={`signIn-${screen.notice?.id ?? 0}`}
            initialEmail={screen.email}
            notice={screen.notice}
            initialError={screen.error}
            onSignedIn={signedInWith}
            onNotVerified={(email, message) => setScreen({ name: 'verify', email, notice: notice(message, 'info') })}
            onCreateAccount={() => setScreen({ name: 'register' })}
            onForgotPassword={(email) => setScreen({ name: 'forgot', email })}
            onInvitation={(email) =>
              setScreen({
                name: 'reset',
                email,
                invitation: true,
                notice: notice(
                  'Enter the 6-digit code from your invitation email, and choose your password. Then sign in with it.',
                  'info',
                ),
              })
            }
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
              setScreen({
                name: 'signIn',
                email,
                notice: notice('Your email address is verified. You can sign in now.'),
              })
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
            key={`reset-${screen.email}-${screen.invitation ? 'invitation' : 'reset'}`}
            email={screen.email}
            notice={screen.notice}
            invitation={screen.invitation}
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
      case 'twoFactor':
        return (
          <TwoFactorScreen
            key={`twoFactor-${screen.user.id}`}
            user={screen.user}
            onVerified={(user) => enterPortal(user)}
            onBackupCodeUsed={(user, remaining) =>
              enterPortal(
                user,
                notice(
                  remaining <= 3
                    ? `${backupCodesLeftText(remaining)} Make new backup codes on the Security tab.`
                    : backupCodesLeftText(remaining),
                  remaining <= 3 ? 'info' : 'success',
                ),
              )
            }
            onCancelled={(email) =>
              setScreen({ name: 'signIn', email, notice: notice('Sign-in was cancelled.', 'info') })
            }
          />
        );
      case 'enroll': {
        const { user, from } = screen;
        return (
          <EnrollTwoFactorScreen
            key={`enroll-${user.id}-${from}`}
            user={user}
            from={from}
            onEnrolled={(codes) => enterSession({ name: 'backupCodes', user, codes, kind: 'first' })}
            onCancelled={() =>
              from === 'portal'
                ? enterPortal(user)
                : setScreen({ name: 'signIn', email: user.email, notice: notice('Sign-in was cancelled.', 'info') })
            }
          />
        );
      }
      case 'backupCodes': {
        const { user, kind } = screen;
        return (
          <BackupCodesScreen
            key={`backupCodes-${user.id}`}
            user={user}
            codes={screen.codes}
            kind={kind}
            onContinue={() =>
              enterPortal(
                user,
                notice(
                  kind === 'first'
                    ? 'Two-step verification is on. From now on, signing in asks for a code from your app.'
                    : 'Your new backup codes are ready. The old ones no longer work.',
                ),
              )
            }
          />
        );
      }
      case 'portal':
        return (
          <PortalScreen
            key={`portal-${screen.user.id}`}
            user={screen.user}
            notice={screen.notice}
            onSignedOut={() => setScreen({ name: 'signIn', notice: notice('You have signed out.') })}
            onSetUpTwoFactor={() => setScreen({ name: 'enroll', user: screen.user, from: 'portal' })}
            onNewBackupCodes={(codes) => setScreen({ name: 'backupCodes', user: screen.user, codes, kind: 'new' })}
          />
        );
      case 'locked':
        return (
          <LockScreen
            key={`locked-${screen.user.id}`}
            user={screen.user}
            reason={screen.reason}
            onUnlocked={(user) => enterPortal(user)}
            onSwitchedUser={() =>
              setScreen({ name: 'signIn', notice: notice('The locked session was ended. Sign in to continue.') })
            }
          />
        );
    }
  }
}

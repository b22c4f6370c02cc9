// Screens loaded on demand (issue 8, item 8): the JavaScript the window needs for the sign-in screen stays small,
// and everything else — the portals with their admin panels, and the screens that check a new password against
// zxcvbn's dictionaries (about 1.6 MB of them) — arrives the first time it is shown. App renders these inside a
// Suspense boundary whose fallback says what is happening (components/Loading.tsx).
import { lazy } from 'react';

export const PortalScreen = lazy(() => import('./PortalScreen').then((m) => ({ default: m.PortalScreen })));
export const SetupScreen = lazy(() => import('./SetupScreen').then((m) => ({ default: m.SetupScreen })));
export const RegisterScreen = lazy(() => import('./RegisterScreen').then((m) => ({ default: m.RegisterScreen })));
export const VerifyEmailScreen = lazy(() =>
  import('./VerifyEmailScreen').then((m) => ({ default: m.VerifyEmailScreen })),
);
export const ForgotPasswordScreen = lazy(() =>
  import('./ForgotPasswordScreen').then((m) => ({ default: m.ForgotPasswordScreen })),
);
export const ResetPasswordScreen = lazy(() =>
  import('./ResetPasswordScreen').then((m) => ({ default: m.ResetPasswordScreen })),
);
export const ChangePasswordScreen = lazy(() =>
  import('./ChangePasswordScreen').then((m) => ({ default: m.ChangePasswordScreen })),
);
export const TwoFactorScreen = lazy(() => import('./TwoFactorScreen').then((m) => ({ default: m.TwoFactorScreen })));
export const EnrollTwoFactorScreen = lazy(() =>
  import('./EnrollTwoFactorScreen').then((m) => ({ default: m.EnrollTwoFactorScreen })),
);
export const BackupCodesScreen = lazy(() =>
  import('./BackupCodesScreen').then((m) => ({ default: m.BackupCodesScreen })),
);

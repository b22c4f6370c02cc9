// What the app says after a reset code was requested: here, apart from ResetPasswordScreen, so that the app can
// say it without loading that screen (it is loaded on demand, see onDemand.ts).

/** The answer to a reset request, the same whether or not the address has an account. */
export function resetRequestedText(email: string): string {
  return `If an account exists for ${email}, we sent a code to it.`;
}

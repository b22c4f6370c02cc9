// The pieces every two-step verification screen shares: the code field, and checking a code the way the core does.
import { TextInput, type TextInputProps } from '@mantine/core';
import type { Ref } from 'react';
import { contract } from '../../../shared/contract';

type Checked = { ok: true; code: string } | { ok: false; message: string };

function check(
  schema: { safeParse(input: unknown): { success: boolean; error?: { issues: { message: string }[] } } },
  code: string,
  empty: string,
): Checked {
  if (code.trim() === '') return { ok: false, message: empty };
  const parsed = schema.safeParse({ code });
  if (parsed.success) return { ok: true, code };
  return { ok: false, message: parsed.error?.issues[0]?.message ?? empty };
}

/** A code from an authenticator app, checked with the contract's own schema (6 digits; "123 456" is fine). */
export function checkAuthCode(code: string): Checked {
  return check(contract['twoFactor.verify'].input, code, 'Enter the 6-digit code from your authenticator app.');
}

/** A backup code as printed (ABCDE-FGHJK), in any case, with or without the dash. */
export function checkBackupCode(code: string): Checked {
  return check(
    contract['twoFactor.useBackupCode'].input,
    code,
    'Enter one of your backup codes, for example ABCDE-FGHJK.',
  );
}

/** The plain words for how many backup codes are left. */
export function backupCodesLeftText(remaining: number): string {
  if (remaining === 0) return 'You have no backup codes left.';
  if (remaining === 1) return 'You have 1 backup code left.';
  return `You have ${remaining} backup codes left.`;
}

export interface AuthCodeInputProps extends Omit<TextInputProps, 'onChange' | 'value'> {
  value: string;
  onChange: (value: string) => void;
  inputRef?: Ref<HTMLInputElement>;
}

/** "Authentication code": 6 digits from the app; the keyboard of a phone or tablet shows digits. */
export function AuthCodeInput({ value, onChange, inputRef, label, ...rest }: AuthCodeInputProps) {
  return (
    <TextInput
      ref={inputRef}
      label={label ?? 'Authentication code'}
      description="The 6-digit code your authenticator app shows now"
      inputMode="numeric"
      autoComplete="one-time-code"
      spellCheck={false}
      maxLength={20}
      required
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      styles={{ input: { letterSpacing: '0.2em', fontVariantNumeric: 'tabular-nums' } }}
      {...rest}
    />
  );
}

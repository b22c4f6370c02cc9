// How a setting the machine policy fixes is marked, on the Settings and Mail tabs alike: a lock and the words
// "Set by your organization", and a box above the form saying how many are fixed.
import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** The words beside each setting the machine policy fixes. */
export const SET_BY_ORGANIZATION = 'Set by your organization';

function LockIcon() {
  return (
    <svg width={12} height={12} viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none">
      <rect x="5" y="11" width="14" height="10" rx="2" stroke="currentColor" strokeWidth="2.5" />
      <path d="M8 11V8a4 4 0 0 1 8 0v3" stroke="currentColor" strokeWidth="2.5" />
    </svg>
  );
}

/** A field's description: for a setting the policy fixes, "Set by your organization." before it. */
export function fieldDescription(text: string, fixed: boolean): ReactNode {
  if (!fixed) return text;
  return (
    <>
      <Text
        span
        size="xs"
        fw={700}
        c="clinic.9"
        mr={6}
        style={{ display: 'inline-flex', alignItems: 'center', gap: 4, verticalAlign: 'baseline' }}
      >
        <LockIcon />
        {SET_BY_ORGANIZATION}.
      </Text>
      {text}
    </>
  );
}

/** The box above a form when the policy fixes some of its settings, or all of them. */
export function fixedSettingsText(count: number, all = false): string {
  if (all)
    return 'Every setting here is set by your organization: IT fixes them on this computer with a machine policy, so they cannot be changed here.';
  return `${count === 1 ? 'One setting is' : `${count} settings are`} set by your organization: IT fixes ${count === 1 ? 'it' : 'them'} on this computer with a machine policy, so ${count === 1 ? 'it is' : 'they are'} shown but cannot be changed here. You can change the others.`;
}

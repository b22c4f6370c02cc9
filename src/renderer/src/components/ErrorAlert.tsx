import { Alert, List } from '@mantine/core';
import { useEffect, useRef } from 'react';
import type { AppError } from '../../../shared/errors';
import { errorText } from '../api';
import { AlertIcon } from './icons';

export interface ShownError {
  error: AppError;
  /** Messages from the core about fields the form does not show. */
  other: string[];
  /** Changes on every failed attempt, so the same message is announced again. */
  id: number;
  /** Move keyboard focus to the alert (when no field is the obvious place to continue). */
  focus?: boolean;
}

/** The core's human message for a failed request (with the wait, when the core gave one), announced to screen readers (role="alert"). */
export function ErrorAlert({ shown, title }: { shown: ShownError | null; title: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const id = shown?.id;
  const focus = shown?.focus ?? false;
  useEffect(() => {
    if (id !== undefined && focus) ref.current?.focus();
  }, [id, focus]);
  if (!shown) return null;
  return (
    <Alert
      key={shown.id}
      ref={ref}
      tabIndex={-1}
      role="alert"
      color="red"
      variant="light"
      title={title}
      icon={<AlertIcon />}
    >
      {errorText(shown.error)}
      {shown.other.length > 0 && (
        <List size="sm" mt="xs">
          {shown.other.map((message) => (
            <List.Item key={message}>{message}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

import { Group, Paper, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { CheckIcon, InfoIcon } from './icons';

export interface NoticeMessage {
  text: string;
  /** 'success' confirms something done; 'info' explains what to do next. */
  tone?: 'success' | 'info';
  /** Changes each time the notice is given, so a repeated notice is announced again. */
  id: number;
}

/**
 * A confirmation ("Your email address is verified.") in a polite live region. The region exists before the
 * text is put in it, so screen readers announce the text even when it arrives together with a new screen.
 */
export function Notice({ notice }: { notice: NoticeMessage | null | undefined }) {
  const [shown, setShown] = useState<NoticeMessage | null>(null);
  useEffect(() => {
    const timer = window.setTimeout(() => setShown(notice ?? null), 50);
    return () => window.clearTimeout(timer);
  }, [notice]);
  return (
    // While empty, the region is taken out of the flow so that it adds no gap to the layout around it.
    <div role="status" aria-live="polite" aria-atomic="true" style={shown ? undefined : { position: 'absolute' }}>
      {shown && (
        <Paper key={shown.id} withBorder p="sm" bg="clinic.0" style={{ borderColor: 'var(--mantine-color-clinic-3)' }}>
          <Group gap="sm" wrap="nowrap" align="flex-start" c="clinic.9">
            {shown.tone === 'info' ? <InfoIcon /> : <CheckIcon />}
            <Text size="sm" c="clinic.9" fw={500}>
              {shown.text}
            </Text>
          </Group>
        </Paper>
      )}
    </div>
  );
}

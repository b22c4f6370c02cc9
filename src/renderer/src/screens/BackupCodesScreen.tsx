// The backup codes, shown once: copy, save as a text file, or print them, and say so before going on.
// They live only in this screen's memory; nothing here writes them to any browser storage.
import { Box, Button, Checkbox, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { UserSummary } from '../../../shared/schemas';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';
import { formatDateTime } from '../components/format';
import { Notice, type NoticeMessage } from '../components/Notice';

export const BACKUP_CODES_FILE_NAME = 'healthsphere-backup-codes.txt';

export interface BackupCodesScreenProps {
  user: UserSummary;
  codes: string[];
  /** 'new': made from the Security tab, replacing an earlier set. */
  kind: 'first' | 'new';
  onContinue: () => void;
}

function codesText(user: UserSummary, codes: string[]): string {
  return [
    `HealthSphere backup codes for ${user.email}`,
    `Made ${formatDateTime(Date.now())}. Each code works once. Keep them apart from your phone.`,
    '',
    ...codes,
    '',
  ].join('\n');
}

export function BackupCodesScreen({ user, codes, kind, onContinue }: BackupCodesScreenProps) {
  const [saved, setSaved] = useState(false);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>();

  function confirmDone(text: string) {
    setShown(null);
    setNotice((previous) => ({ text, id: (previous?.id ?? 0) + 1 }));
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(codesText(user, codes));
      confirmDone('The backup codes were copied. Paste them somewhere safe, such as a password manager.');
    } catch {
      setNotice(null);
      setShown((previous) => ({
        error: {
          code: 'UNAVAILABLE',
          message: 'Copying is not allowed here. Save the codes as a text file or print them instead.',
        },
        other: [],
        id: (previous?.id ?? 0) + 1,
      }));
    }
  }

  function saveFile() {
    const url = URL.createObjectURL(new Blob([codesText(user, codes)], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = BACKUP_CODES_FILE_NAME;
    link.style.display = 'none';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own copy: drop the page's as soon as the browser has taken it.
    window.setTimeout(() => URL.revokeObjectURL(url), 1_000);
    confirmDone(`The backup codes were saved as ${BACKUP_CODES_FILE_NAME}. Move the file somewhere safe.`);
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2" ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
          Save your backup codes
        </Title>
        <Text>
          {kind === 'first'
            ? 'Two-step verification is on. '
            : 'These codes replace your earlier backup codes, which no longer work. '}
          If you lose your phone, each of these codes signs you in once instead of a code from the app.
        </Text>
        <Text fw={700}>They are shown only now. Keep them somewhere safe, apart from your phone.</Text>
      </Stack>
      <Notice notice={notice} />
      <ErrorAlert shown={shown} title="The codes were not copied" />
      <Box
        component="ul"
        aria-label="Backup codes"
        data-testid="backup-codes"
        m={0}
        p="md"
        bg="gray.0"
        style={{
          listStyle: 'none',
          display: 'grid',
          gridTemplateColumns: 'repeat(2, 1fr)',
          gap: 'var(--mantine-spacing-xs)',
          border: '1px solid var(--mantine-color-gray-4)',
          borderRadius: 'var(--mantine-radius-md)',
        }}
      >
        {codes.map((code) => (
          <Text
            key={code}
            component="li"
            ff="monospace"
            fz="lg"
            ta="center"
            style={{ letterSpacing: '0.05em', fontVariantNumeric: 'tabular-nums' }}
          >
            {code}
          </Text>
        ))}
      </Box>
      <Group gap="xs">
        <Button variant="default" onClick={() => void copy()}>
          Copy codes
        </Button>
        <Button variant="default" onClick={saveFile}>
          Save as text file
        </Button>
        <Button variant="default" onClick={() => window.print()}>
          Print
        </Button>
      </Group>
      <Checkbox
        label="I have saved my backup codes"
        checked={saved}
        onChange={(event) => setSaved(event.currentTarget.checked)}
        size="md"
      />
      <Button fullWidth onClick={onContinue} disabled={!saved}>
        Continue
      </Button>
    </AuthLayout>
  );
}

// The administrator's Mail tab: whether mail leaves this computer and the Business Associate Agreement it needs,
// the mail settings, a test mail, and the delivery log. One card per file in ./mail.
import { Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { UserSummary } from '../../../../shared/schemas';
import { call } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { DeliveryLogCard } from './mail/DeliveryLogCard';
import { DeliveryStatusCard } from './mail/DeliveryStatusCard';
import { MailSettingsCard, type MailSettingsView } from './mail/MailSettingsCard';
import { nextShown } from './mail/messages';
import { TestMailCard } from './mail/TestMailCard';

export function MailPanel({ user }: { user: UserSummary }) {
  const [settings, setSettings] = useState<MailSettingsView | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  /** Bumped when something may have changed what the delivery log shows. */
  const [logKey, setLogKey] = useState(0);

  const reload = useCallback(async () => {
    const result = await call((api) => api.mail.getSettings({}));
    if (result.ok) {
      setSettings(result.value);
      setShown(null);
    } else setShown(nextShown(result.error));
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  /** Shows a change at once, then reads everything again (the agreement and loopback follow from the server). */
  function changed(patch: Partial<MailSettingsView>) {
    setSettings((current) => (current ? { ...current, ...patch } : current));
    setLogKey((key) => key + 1);
    void reload();
  }

  return (
    <Stack gap="lg">
      <ErrorAlert shown={shown} title="We could not show the mail settings" />
      {!settings ? (
        !shown && <Text size="sm">Loading the mail settings…</Text>
      ) : (
        <>
          <DeliveryStatusCard settings={settings} onChanged={changed} />
          <MailSettingsCard settings={settings} onSaved={changed} />
        </>
      )}
      <TestMailCard user={user} onSent={() => setLogKey((key) => key + 1)} />
      <DeliveryLogCard reloadKey={logKey} />
    </Stack>
  );
}

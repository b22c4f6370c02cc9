import { AppShell, Badge, Button, Card, Container, Group, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { lazy, useState, type ReactNode } from 'react';
import { hasPermission, ROLE_LABELS, type Role } from '../../../shared/roles';
import type { UserSummary } from '../../../shared/schemas';
import { call } from '../api';
import { Brand } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';
import { OnDemand } from '../components/Loading';
import { Notice, type NoticeMessage } from '../components/Notice';

// Each tab's content is loaded the first time the tab shows (issue 8): a patient's window never loads the admin
// panels, and an administrator's loads the audit search, user administration, settings and mail only when opened.
const AccountsPanel = lazy(() => import('./portal/AccountsPanel').then((m) => ({ default: m.AccountsPanel })));
const ActivityPanel = lazy(() => import('./portal/ActivityPanel').then((m) => ({ default: m.ActivityPanel })));
const AdminOverviewPanel = lazy(() =>
  import('./portal/AdminOverviewPanel').then((m) => ({ default: m.AdminOverviewPanel })),
);
const AuditPanel = lazy(() => import('./portal/AuditPanel').then((m) => ({ default: m.AuditPanel })));
const MailPanel = lazy(() => import('./portal/MailPanel').then((m) => ({ default: m.MailPanel })));
const PatientsPanel = lazy(() => import('./portal/PatientsPanel').then((m) => ({ default: m.PatientsPanel })));
const ProfilePanel = lazy(() => import('./portal/ProfilePanel').then((m) => ({ default: m.ProfilePanel })));
const SecurityPanel = lazy(() => import('./portal/SecurityPanel').then((m) => ({ default: m.SecurityPanel })));
const SecuritySettingsPanel = lazy(() =>
  import('./portal/SecuritySettingsPanel').then((m) => ({ default: m.SecuritySettingsPanel })),
);
const SystemStatusCard = lazy(() => import('./portal/SystemStatusCard').then((m) => ({ default: m.SystemStatusCard })));
const UsersPanel = lazy(() => import('./portal/UsersPanel').then((m) => ({ default: m.UsersPanel })));

/** One boundary per tab, inside its panel: the tab list stays (and keeps focus) while a tab's content loads. */
function TabContent({ children }: { children: ReactNode }) {
  return <OnDemand kind="panel">{children}</OnDemand>;
}

export function portalName(role: Role): string {
  return `${ROLE_LABELS[role]} portal`;
}

interface Upcoming {
  title: string;
  text: string;
}

const PROFILE: Upcoming = {
  title: 'Profile',
  text: 'Your contact details, emergency contact and photo are on the Profile tab; what happened on your account lately under Recent activity. Your password, two-step verification and sessions are under Security.',
};

// What each portal offers, and, honestly, what is still to come.
const UPCOMING: Record<Role, Upcoming[]> = {
  patient: [PROFILE],
  doctor: [PROFILE, { title: 'Patients', text: 'Find a patient by name, email or date of birth on the Patients tab.' }],
  nurse: [PROFILE, { title: 'Patients', text: 'Find a patient by name, email or date of birth on the Patients tab.' }],
  admin: [],
};

export interface PortalScreenProps {
  user: UserSummary;
  /** Said once the portal shows, e.g. how many backup codes are left after signing in with one. */
  notice?: NoticeMessage | null;
  /** The user signed out here. (A session the core says is gone is handled by the app for every call.) */
  onSignedOut: () => void;
  /** Opens the screens that set up two-step verification; they return to the portal. */
  onSetUpTwoFactor: () => void;
  /** Shows a new set of backup codes on their own screen; it returns to the portal. */
  onNewBackupCodes: (codes: string[]) => void;
}

type TabName =
  'overview' | 'patients' | 'users' | 'audit' | 'profile' | 'activity' | 'security' | 'settings' | 'accounts' | 'mail';

/** The tab each user had open, so that unlocking the screen returns them to it. */
const lastTab = new Map<number, TabName>();

export function PortalScreen({ user, notice, onSignedOut, onSetUpTwoFactor, onNewBackupCodes }: PortalScreenProps) {
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  const fullName = `${user.firstName} ${user.lastName}`;
  const roleLabel = ROLE_LABELS[user.role];
  const [tab, setTab] = useState<TabName>(lastTab.get(user.id) ?? 'overview');
  const canManageSettings = hasPermission(user.role, 'settings.manage');
  const canManageUsers = hasPermission(user.role, 'users.manage');
  const canManageMail = hasPermission(user.role, 'mail.manage');
  const canReadPatients = hasPermission(user.role, 'patients.read');
  const canReview = hasPermission(user.role, 'audit.review');
  const hasProfile = hasPermission(user.role, 'profile.own');

  async function signOut() {
    if (busy) return;
    setBusy(true);
    const result = await call((api) => api.session.signOut({}));
    setBusy(false);
    if (result.ok) {
      lastTab.delete(user.id);
      onSignedOut();
    } else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1, focus: true }));
  }

  return (
    <AppShell header={{ height: 72 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <Brand />
            <Text visibleFrom="sm" fw={500} pl="md" style={{ borderLeft: '1px solid var(--mantine-color-gray-4)' }}>
              {portalName(user.role)}
            </Text>
          </Group>
          <Group gap="md" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="xs">
              <Text fw={600} size="sm">
                {fullName}
              </Text>
              <Text size="sm" c="dimmed">
                {roleLabel}
              </Text>
            </Stack>
            <Button variant="default" onClick={signOut} loading={busy}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main bg="gray.0">
        <Container size="md" py="lg">
          <Stack gap="lg">
            <Stack gap="xs">
              <Title order={1} ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
                {portalName(user.role)}
              </Title>
              <Group gap="sm">
                <Text size="lg">Welcome, {fullName}.</Text>
                <Badge variant="light" size="lg">
                  {roleLabel}
                </Badge>
              </Group>
              <Text>
                Signed in as{' '}
                <Text component="strong" fw={700} style={{ overflowWrap: 'anywhere' }}>
                  {user.email}
                </Text>
                . On a shared workstation, sign out when you leave.
              </Text>
            </Stack>
            {/* Only when there is something to say, so that the tabs' own notices are the only ones otherwise. */}
            {notice && <Notice notice={notice} />}
            <ErrorAlert shown={shown} title="We could not sign you out" />
            <Tabs
              value={tab}
              onChange={(value) => {
                const next = (value ?? 'overview') as TabName;
                lastTab.set(user.id, next);
                setTab(next);
              }}
              keepMounted={false}
            >
              <Tabs.List aria-label="Portal sections" mb="lg">
                <Tabs.Tab value="overview">Overview</Tabs.Tab>
                {canReadPatients && <Tabs.Tab value="patients">Patients</Tabs.Tab>}
                {canManageUsers && <Tabs.Tab value="users">Users</Tabs.Tab>}
                {canReview && <Tabs.Tab value="audit">Audit trail</Tabs.Tab>}
                {hasProfile && <Tabs.Tab value="profile">Profile</Tabs.Tab>}
                {hasProfile && <Tabs.Tab value="activity">Recent activity</Tabs.Tab>}
                <Tabs.Tab value="security">Security</Tabs.Tab>
                {canManageSettings && <Tabs.Tab value="settings">Settings</Tabs.Tab>}
                {canManageUsers && <Tabs.Tab value="accounts">Accounts</Tabs.Tab>}
                {canManageMail && <Tabs.Tab value="mail">Mail</Tabs.Tab>}
              </Tabs.List>
              <Tabs.Panel value="overview">
                <TabContent>
                  {canReview ? <AdminOverviewPanel user={user} /> : canManageSettings && <SystemStatusCard />}
                </TabContent>
                {UPCOMING[user.role].length > 0 && (
                  <SimpleGrid mt={canReview ? 'md' : undefined} cols={{ base: 1, sm: 2 }} spacing="md">
                    {UPCOMING[user.role].map((item) => (
                      <Card key={item.title} withBorder padding="lg">
                        <Title order={2} size="h4" mb="xs">
                          {item.title}
                        </Title>
                        <Text>{item.text}</Text>
                      </Card>
                    ))}
                  </SimpleGrid>
                )}
              </Tabs.Panel>
              {canReadPatients && (
                <Tabs.Panel value="patients">
                  <TabContent>
                    <PatientsPanel user={user} />
                  </TabContent>
                </Tabs.Panel>
              )}
              {canManageUsers && (
                <Tabs.Panel value="users">
                  <TabContent>
                    <UsersPanel />
                  </TabContent>
                </Tabs.Panel>
              )}
              {canReview && (
                <Tabs.Panel value="audit">
                  <TabContent>
                    <AuditPanel />
                  </TabContent>
                </Tabs.Panel>
              )}
              {hasProfile && (
                <Tabs.Panel value="profile">
                  <TabContent>
                    <ProfilePanel user={user} />
                  </TabContent>
                </Tabs.Panel>
              )}
              {hasProfile && (
                <Tabs.Panel value="activity">
                  <TabContent>
                    <ActivityPanel />
                  </TabContent>
                </Tabs.Panel>
              )}
              <Tabs.Panel value="security">
                <TabContent>
                  <SecurityPanel user={user} onSetUpTwoFactor={onSetUpTwoFactor} onNewBackupCodes={onNewBackupCodes} />
                </TabContent>
              </Tabs.Panel>
              {canManageSettings && (
                <Tabs.Panel value="settings">
                  <TabContent>
                    <SecuritySettingsPanel />
                  </TabContent>
                </Tabs.Panel>
              )}
              {canManageUsers && (
                <Tabs.Panel value="accounts">
                  <TabContent>
                    <AccountsPanel />
                  </TabContent>
                </Tabs.Panel>
              )}
              {canManageMail && (
                <Tabs.Panel value="mail">
                  <TabContent>
                    <MailPanel user={user} />
                  </TabContent>
                </Tabs.Panel>
              )}
            </Tabs>
          </Stack>
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

// User administration: find accounts with filters and keyset pages, open one to change its role and status,
// unlock it, reset its two-step verification, require a new password, and end its sessions; invite staff.
import {
  Badge,
  Button,
  Card,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelInput, ChannelOutput } from '../../../../shared/contract';
import type { Profile } from '../../../../shared/profile';
import { ROLE_LABELS, ROLES, type Role } from '../../../../shared/roles';
import { emailSchema, personNameSchema } from '../../../../shared/schemas';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../components/format';
import { Notice, type NoticeMessage } from '../../components/Notice';

type ListedUser = ChannelOutput<'users.list'>['users'][number];
type Filters = { role: string; status: string; locked: string; twoFactor: string; search: string };

const NO_FILTERS: Filters = { role: '', status: 'all', locked: '', twoFactor: '', search: '' };
const PAGE_SIZE = 25;

function nextShown(error: ShownError['error'], other: string[] = [], focus = false) {
  return (previous: ShownError | null): ShownError => ({ error, other, id: (previous?.id ?? 0) + 1, focus });
}

function nextNotice(text: string, tone: NoticeMessage['tone'] = 'success') {
  return (previous: NoticeMessage | null): NoticeMessage => ({ text, tone, id: (previous?.id ?? 0) + 1 });
}

function listInput(filters: Filters, cursor: string | null): ChannelInput<'users.list'> {
  return {
    status: filters.status as 'all' | 'active' | 'inactive',
    search: filters.search,
    cursor,
    limit: PAGE_SIZE,
    ...(filters.role ? { role: filters.role as Role } : {}),
    ...(filters.locked ? { locked: filters.locked === 'yes' } : {}),
    ...(filters.twoFactor ? { twoFactor: filters.twoFactor as 'enrolled' | 'not_enrolled' } : {}),
  };
}

function statusText(user: ListedUser): string {
  const parts = [user.active ? 'Active' : 'Deactivated'];
  if (user.locked) parts.push('locked');
  if (!user.emailVerified) parts.push('email not verified');
  if (user.mustChangePassword) parts.push('must choose a new password');
  return parts.join(', ');
}

export function UsersPanel() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [cursor, setCursor] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [list, setList] = useState<ChannelOutput<'users.list'> | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<ListedUser | null>(null);
  const tableRef = useRef<HTMLDivElement>(null);

  const load = useCallback(async (next: Filters, at: string | null) => {
    setBusy(true);
    const result = await call((api) => api.users.list(listInput(next, at)));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setList(result.value);
    } else setShown(nextShown(result.error));
  }, []);

  useEffect(() => {
    void load(filters, cursor);
  }, [load, filters, cursor]);

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPage(1);
    setCursor(null);
    setFilters({ ...draft });
  }

  const set = (field: keyof Filters) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));

  if (open) {
    return (
      <UserDetail
        listed={open}
        onBack={() => {
          setOpen(null);
          void load(filters, cursor);
        }}
      />
    );
  }

  return (
    <Stack gap="lg">
      <InviteStaffCard onInvited={() => void load(filters, cursor)} />
      <Card withBorder padding="lg" component="section" aria-labelledby="users-heading">
        <Stack gap="md">
          <Title order={2} size="h3" id="users-heading">
            User accounts
          </Title>
          <form onSubmit={apply} noValidate aria-label="Filter users">
            <Stack gap="sm">
              <SimpleGrid cols={{ base: 1, xs: 2, sm: 4 }} spacing="sm">
                <NativeSelect
                  label="Role"
                  size="md"
                  value={draft.role}
                  onChange={(e) => set('role')(e.currentTarget.value)}
                  data={[{ value: '', label: 'Any role' }, ...ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))]}
                />
                <NativeSelect
                  label="Status"
                  size="md"
                  value={draft.status}
                  onChange={(e) => set('status')(e.currentTarget.value)}
                  data={[
                    { value: 'all', label: 'All' },
                    { value: 'active', label: 'Active' },
                    { value: 'inactive', label: 'Deactivated' },
                  ]}
                />
                <NativeSelect
                  label="Locked"
                  size="md"
                  value={draft.locked}
                  onChange={(e) => set('locked')(e.currentTarget.value)}
                  data={[
                    { value: '', label: 'Any' },
                    { value: 'yes', label: 'Locked' },
                    { value: 'no', label: 'Not locked' },
                  ]}
                />
                <NativeSelect
                  label="Two-step verification"
                  size="md"
                  value={draft.twoFactor}
                  onChange={(e) => set('twoFactor')(e.currentTarget.value)}
                  data={[
                    { value: '', label: 'Any' },
                    { value: 'enrolled', label: 'Set up' },
                    { value: 'not_enrolled', label: 'Not set up' },
                  ]}
                />
              </SimpleGrid>
              <Group align="flex-end" gap="sm">
                <TextInput
                  label="Search"
                  description="Name or email"
                  value={draft.search}
                  onChange={(e) => set('search')(e.currentTarget.value)}
                  style={{ flex: 1, minWidth: 220 }}
                />
                <Button type="submit" loading={busy}>
                  Show users
                </Button>
              </Group>
            </Stack>
          </form>
          <ErrorAlert shown={shown} title="We could not list the users" />
          {list && (
            <div ref={tableRef}>
              <Table.ScrollContainer minWidth={640}>
                <Table striped verticalSpacing="sm" captionSide="top">
                  <Table.Caption>Users</Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Name</Table.Th>
                      <Table.Th scope="col">Email</Table.Th>
                      <Table.Th scope="col">Role</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">Two-step verification</Table.Th>
                      <Table.Th scope="col">Account</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.users.length === 0 && (
                      <Table.Tr>
                        <Table.Td colSpan={6}>No users match.</Table.Td>
                      </Table.Tr>
                    )}
                    {list.users.map((u) => {
                      const name = `${u.firstName} ${u.lastName}`;
                      return (
                        <Table.Tr key={u.id}>
                          <Table.Th scope="row" fw={500}>
                            {name}
                          </Table.Th>
                          <Table.Td style={{ overflowWrap: 'anywhere' }}>{u.email}</Table.Td>
                          <Table.Td>{ROLE_LABELS[u.role]}</Table.Td>
                          <Table.Td>{statusText(u)}</Table.Td>
                          <Table.Td>{u.twoFactorEnabled ? 'Set up' : 'Not set up'}</Table.Td>
                          <Table.Td>
                            <Button size="sm" variant="light" onClick={() => setOpen(u)}>
                              Open {name}
                            </Button>
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Group justify="space-between" mt="sm">
                <Text size="sm" role="status">
                  Page {page}
                </Text>
                <Group gap="sm">
                  <Button
                    variant="default"
                    disabled={page === 1 || busy}
                    onClick={() => {
                      setPage(1);
                      setCursor(null);
                    }}
                  >
                    First page
                  </Button>
                  <Button
                    variant="default"
                    disabled={!list.nextCursor || busy}
                    onClick={() => {
                      setPage((p) => p + 1);
                      setCursor(list.nextCursor);
                    }}
                  >
                    Next page
                  </Button>
                </Group>
              </Group>
            </div>
          )}
        </Stack>
      </Card>
    </Stack>
  );
}

const INVITE_FIELDS = ['email', 'firstName', 'lastName', 'role'] as const;
type InviteField = (typeof INVITE_FIELDS)[number];
const STAFF_ROLES: Role[] = ['doctor', 'nurse', 'admin'];

function InviteStaffCard({ onInvited }: { onInvited: () => void }) {
  const empty = { email: '', firstName: '', lastName: '', role: 'doctor' };
  const [values, setValues] = useState<Record<InviteField, string>>(empty);
  const [errors, setErrors] = useState<Partial<Record<InviteField, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const refs = {
    email: useRef<HTMLInputElement>(null),
    firstName: useRef<HTMLInputElement>(null),
    lastName: useRef<HTMLInputElement>(null),
    role: useRef<HTMLSelectElement>(null),
  };

  function update(field: InviteField, value: string) {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  }

  function showErrors(next: Partial<Record<InviteField, string>>): boolean {
    setErrors(next);
    const first = INVITE_FIELDS.find((f) => next[f]);
    if (first) refs[first].current?.focus();
    return first !== undefined;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    const next: Partial<Record<InviteField, string>> = {};
    const email = emailSchema.safeParse(values.email);
    if (values.email.trim() === '') next.email = 'Enter their email address.';
    else if (!email.success) next.email = email.error.issues[0]?.message;
    for (const field of ['firstName', 'lastName'] as const) {
      const parsed = personNameSchema.safeParse(values[field]);
      if (!parsed.success)
        next[field] =
          values[field].trim() === ''
            ? `Enter their ${field === 'firstName' ? 'first' : 'last'} name.`
            : parsed.error.issues[0]?.message;
    }
    if (showErrors(next)) {
      setShown(null);
      return;
    }
    setBusy(true);
    const result = await call((api) => api.users.create({ ...values, role: values.role as Role }));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setNotice(
        nextNotice(
          `An invitation code was mailed to ${values.email.trim()}. They choose their password with it: on Sign in, “I have an invitation code”.`,
        ),
      );
      setValues(empty);
      onInvited();
      return;
    }
    const { fields, other } = fieldMessages(result.error, INVITE_FIELDS);
    const focused = showErrors(fields);
    setShown(nextShown(result.error, other, !focused));
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="invite-heading">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={2} size="h3" id="invite-heading">
            Invite a staff member
          </Title>
          <Text size="sm" c="dimmed">
            They get an invitation code by email and choose their own password with it.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not send the invitation" />
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                ref={refs.email}
                label="Email"
                type="email"
                autoComplete="off"
                required
                value={values.email}
                onChange={(e) => update('email', e.currentTarget.value)}
                error={errors.email}
              />
              <NativeSelect
                ref={refs.role}
                label="Role"
                size="md"
                value={values.role}
                onChange={(e) => update('role', e.currentTarget.value)}
                data={STAFF_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
                error={errors.role}
              />
              <TextInput
                ref={refs.firstName}
                label="First name"
                autoComplete="off"
                required
                value={values.firstName}
                onChange={(e) => update('firstName', e.currentTarget.value)}
                error={errors.firstName}
              />
              <TextInput
                ref={refs.lastName}
                label="Last name"
                autoComplete="off"
                required
                value={values.lastName}
                onChange={(e) => update('lastName', e.currentTarget.value)}
                error={errors.lastName}
              />
            </SimpleGrid>
            <Group>
              <Button type="submit" loading={busy}>
                Send invitation
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

type Sessions = ChannelOutput<'users.sessions'>['sessions'];
type ActionName = 'role' | 'status' | 'unlock' | 'twoFactor' | 'password' | `end-${number}`;

function UserDetail({ listed, onBack }: { listed: ListedUser; onBack: () => void }) {
  const [state, setState] = useState<ListedUser>(listed);
  const [profile, setProfile] = useState<Profile | null>(null);
  const [sessions, setSessions] = useState<Sessions | null>(null);
  const [role, setRole] = useState<Role>(listed.role);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState<ActionName | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const name = `${state.firstName} ${state.lastName}`;

  const loadSessions = useCallback(async () => {
    const result = await call((api) => api.users.sessions({ userId: listed.id }));
    if (result.ok) setSessions(result.value.sessions);
  }, [listed.id]);

  useEffect(() => {
    headingRef.current?.focus();
    void call((api) => api.users.get({ userId: listed.id })).then((result) => {
      if (result.ok) setProfile(result.value);
      else setShown(nextShown(result.error));
    });
    void loadSessions();
  }, [listed.id, loadSessions]);

  /** Runs one action; on success says what happened, on failure shows the core's plain message. */
  async function act<T>(
    action: ActionName,
    request: () => Promise<{ ok: true; value: T } | { ok: false; error: ShownError['error'] }>,
    done: (value: T) => string,
  ) {
    if (busy) return;
    setBusy(action);
    const result = await request();
    setBusy(null);
    if (result.ok) {
      setShown(null);
      setNotice(nextNotice(done(result.value)));
    } else {
      setNotice(null);
      setShown(nextShown(result.error, [], true));
    }
  }

  return (
    <Stack gap="lg">
      <Group>
        <Button variant="default" onClick={onBack}>
          Back to users
        </Button>
      </Group>
      <Card withBorder padding="lg" component="section" aria-labelledby="user-heading">
        <Stack gap="md">
          <Stack gap={4}>
            <Title order={2} id="user-heading" ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
              {name}
            </Title>
            <Group gap="xs">
              <Badge variant="light">{ROLE_LABELS[state.role]}</Badge>
              <Text size="sm">{statusText(state)}</Text>
            </Group>
            <Text style={{ overflowWrap: 'anywhere' }}>{state.email}</Text>
            {profile?.staff && (
              <Text size="sm">
                Department: {profile.staff.department || 'not recorded'}; specialization:{' '}
                {profile.staff.specialization || 'not recorded'}
              </Text>
            )}
            {profile?.medicalRedacted && (
              <Text size="sm" c="dimmed">
                Medical information is not shown to administrators.
              </Text>
            )}
          </Stack>
          <Notice notice={notice} />
          <ErrorAlert shown={shown} title="We could not do that" />

          <Group align="flex-end" gap="sm">
            <NativeSelect
              label="Role"
              size="md"
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as Role)}
              data={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            />
            <Button
              loading={busy === 'role'}
              disabled={role === state.role}
              onClick={() =>
                void act(
                  'role',
                  () => call((api) => api.users.changeRole({ userId: state.id, role })),
                  (value) => {
                    setState((s) => ({ ...s, role: value.role }));
                    return `${name} is now ${ROLE_LABELS[value.role].toLowerCase() === 'administrator' ? 'an' : 'a'} ${ROLE_LABELS[value.role].toLowerCase()}. Their sessions ended.`;
                  },
                )
              }
            >
              Change role
            </Button>
          </Group>

          <Group gap="sm">
            {state.active ? (
              <Button
                color="red.9"
                variant="outline"
                loading={busy === 'status'}
                onClick={() =>
                  void act(
                    'status',
                    () => call((api) => api.users.deactivate({ userId: state.id })),
                    () => {
                      setState((s) => ({ ...s, active: false }));
                      void loadSessions();
                      return `${name} is deactivated and can no longer sign in.`;
                    },
                  )
                }
              >
                Deactivate
              </Button>
            ) : (
              <Button
                variant="outline"
                loading={busy === 'status'}
                onClick={() =>
                  void act(
                    'status',
                    () => call((api) => api.users.reactivate({ userId: state.id })),
                    () => {
                      setState((s) => ({ ...s, active: true }));
                      return `${name} is active again.`;
                    },
                  )
                }
              >
                Reactivate
              </Button>
            )}
            <Button
              variant="default"
              loading={busy === 'unlock'}
              onClick={() =>
                void act(
                  'unlock',
                  () => call((api) => api.users.unlock({ email: state.email })),
                  (value) => {
                    setState((s) => ({ ...s, locked: false }));
                    return value.unlocked ? 'The account is unlocked.' : 'That account was not locked.';
                  },
                )
              }
            >
              Unlock
            </Button>
            <Button
              variant="default"
              loading={busy === 'twoFactor'}
              onClick={() =>
                void act(
                  'twoFactor',
                  () => call((api) => api.users.resetTwoFactor({ email: state.email })),
                  (value) => {
                    setState((s) => ({ ...s, twoFactorEnabled: false }));
                    void loadSessions();
                    return value.reset
                      ? 'Two-step verification was reset. They set it up again at their next sign-in.'
                      : 'That account had no two-step verification.';
                  },
                )
              }
            >
              Reset two-step verification
            </Button>
            <Button
              variant="default"
              loading={busy === 'password'}
              onClick={() =>
                void act(
                  'password',
                  () => call((api) => api.users.requirePasswordChange({ userId: state.id })),
                  () => {
                    setState((s) => ({ ...s, mustChangePassword: true }));
                    return `${name} must choose a new password before going on.`;
                  },
                )
              }
            >
              Require a new password
            </Button>
          </Group>

          <section aria-labelledby="user-sessions-heading">
            <Title order={3} size="h4" id="user-sessions-heading" mb="xs">
              Sessions
            </Title>
            {!sessions && <Text size="sm">Loading sessions…</Text>}
            {sessions && sessions.length === 0 && <Text>No open sessions.</Text>}
            {sessions && sessions.length > 0 && (
              <Table verticalSpacing="xs" captionSide="top">
                <Table.Caption>Sessions of {name}</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Workstation</Table.Th>
                    <Table.Th scope="col">Started</Table.Th>
                    <Table.Th scope="col">Last active</Table.Th>
                    <Table.Th scope="col">Action</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {sessions.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>{s.workstation}</Table.Td>
                      <Table.Td>
                        <time dateTime={isoDateTime(s.startedAt)}>{formatDateTime(s.startedAt)}</time>
                      </Table.Td>
                      <Table.Td>
                        <time dateTime={isoDateTime(s.lastActiveAt)}>{formatDateTime(s.lastActiveAt)}</time>
                      </Table.Td>
                      <Table.Td>
                        <Button
                          size="sm"
                          variant="default"
                          loading={busy === `end-${s.id}`}
                          onClick={() =>
                            void act(
                              `end-${s.id}`,
                              () => call((api) => api.users.endSession({ sessionId: s.id })),
                              (value) => {
                                void loadSessions();
                                return value.ended ? 'The session ended.' : 'That session had already ended.';
                              },
                            )
                          }
                        >
                          End session
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </section>
        </Stack>
      </Card>
    </Stack>
  );
}

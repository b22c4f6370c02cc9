// Clinical staff: find a patient by name, email or date of birth, and open their record. A restricted record
// shows the name only until emergency access is declared with a reason, which an administrator reviews.
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import { BLOOD_TYPES, type Profile } from '../../../../shared/profile';
import { hasPermission } from '../../../../shared/roles';
import type { UserSummary } from '../../../../shared/schemas';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../components/format';
import { InfoIcon } from '../../components/icons';
import { Notice, type NoticeMessage } from '../../components/Notice';

type Found = ChannelOutput<'patients.search'>['patients'][number];

function nextShown(error: ShownError['error'], other: string[] = [], focus = false) {
  return (previous: ShownError | null): ShownError => ({ error, other, id: (previous?.id ?? 0) + 1, focus });
}

function nextNotice(text: string, tone: NoticeMessage['tone'] = 'success') {
  return (previous: NoticeMessage | null): NoticeMessage => ({ text, tone, id: (previous?.id ?? 0) + 1 });
}

export function PatientsPanel({ user }: { user: UserSummary }) {
  const [query, setQuery] = useState('');
  const [queryError, setQueryError] = useState<string | undefined>();
  const [results, setResults] = useState<{ query: string; patients: Found[]; nextCursor: string | null } | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);
  const queryRef = useRef<HTMLInputElement>(null);

  async function search(cursor: string | null, q: string) {
    setBusy(true);
    const result = await call((api) => api.patients.search({ query: q, cursor }));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setResults((previous) => ({
        query: q,
        patients: cursor && previous ? [...previous.patients, ...result.value.patients] : result.value.patients,
        nextCursor: result.value.nextCursor,
      }));
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['query'] as const);
    setQueryError(fields.query);
    setShown(nextShown(result.error, other));
    queryRef.current?.focus();
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (query.trim().length < 2) {
      setQueryError('Type at least 2 characters.');
      queryRef.current?.focus();
      return;
    }
    setOpenId(null);
    void search(null, query.trim());
  }

  if (openId !== null) {
    return (
      <PatientView
        user={user}
        patientId={openId}
        onBack={() => {
          setOpenId(null);
          window.setTimeout(() => queryRef.current?.focus(), 0);
        }}
      />
    );
  }

  return (
    <Stack gap="lg">
      <Card withBorder padding="lg" component="section" aria-labelledby="find-patient-heading">
        <Stack gap="md">
          <Title order={2} size="h3" id="find-patient-heading">
            Patient search
          </Title>
          <ErrorAlert shown={shown} title="We could not search" />
          <form onSubmit={submit} noValidate role="search" aria-labelledby="find-patient-heading">
            <Group align="flex-end" gap="sm">
              <TextInput
                ref={queryRef}
                label="Find a patient"
                description="Name, email, or date of birth as YYYY-MM-DD"
                value={query}
                onChange={(event) => {
                  setQuery(event.currentTarget.value);
                  setQueryError(undefined);
                }}
                error={queryError}
                style={{ flex: 1, minWidth: 240 }}
              />
              <Button type="submit" loading={busy}>
                Search
              </Button>
            </Group>
          </form>
        </Stack>
      </Card>
      {results && (
        <Stack gap="sm">
          <Text role="status">
            {results.patients.length === 0
              ? `No patients match “${results.query}”.`
              : `${results.patients.length} ${results.patients.length === 1 ? 'patient matches' : 'patients match'} “${results.query}”${results.nextCursor ? ' so far' : ''}.`}
          </Text>
          {results.patients.length > 0 && (
            <Table.ScrollContainer minWidth={560}>
              <Table striped verticalSpacing="sm" captionSide="top">
                <Table.Caption>Patients</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Name</Table.Th>
                    <Table.Th scope="col">Date of birth</Table.Th>
                    <Table.Th scope="col">Email</Table.Th>
                    <Table.Th scope="col">Record</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {results.patients.map((patient) => {
                    const name = `${patient.firstName} ${patient.lastName}`;
                    return (
                      <Table.Tr key={patient.id}>
                        <Table.Th scope="row" fw={500}>
                          {name}
                          {patient.restricted && (
                            <Badge ml="xs" color="red.9" variant="filled">
                              Restricted
                            </Badge>
                          )}
                        </Table.Th>
                        <Table.Td>{patient.dateOfBirth ?? '—'}</Table.Td>
                        <Table.Td style={{ overflowWrap: 'anywhere' }}>{patient.email ?? '—'}</Table.Td>
                        <Table.Td>
                          <Button size="sm" variant="light" onClick={() => setOpenId(patient.id)}>
                            Open {name}
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {results.nextCursor && (
            <Group>
              <Button variant="default" loading={busy} onClick={() => void search(results.nextCursor, results.query)}>
                More patients
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Stack>
  );
}

interface PatientViewProps {
  user: UserSummary;
  patientId: number;
  onBack: () => void;
}

function PatientView({ user, patientId, onBack }: PatientViewProps) {
  const [patient, setPatient] = useState<Profile | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusHeading = useRef(true);

  const load = useCallback(async () => {
    const result = await call((api) => api.patients.get({ patientId }));
    if (result.ok) setPatient(result.value);
    else setShown(nextShown(result.error, [], true));
  }, [patientId]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (patient && focusHeading.current) {
      focusHeading.current = false;
      headingRef.current?.focus();
    }
  }, [patient]);

  async function setRestricted(restricted: boolean) {
    if (busy) return;
    setBusy(true);
    const result = await call((api) => api.patients.setRestricted({ patientId, restricted }));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setNotice(
        nextNotice(
          result.value.restricted
            ? 'The record is restricted. Other staff now see only the name unless they declare emergency access.'
            : 'The restriction is lifted.',
        ),
      );
      await load();
    } else setShown(nextShown(result.error, [], true));
  }

  const name = patient ? `${patient.firstName} ${patient.lastName}` : 'Patient';
  const canRestrict = hasPermission(user.role, 'patients.restrict');

  return (
    <Stack gap="lg">
      <Group>
        <Button variant="default" onClick={onBack}>
          Back to search
        </Button>
      </Group>
      <ErrorAlert shown={shown} title="We could not do that" />
      <Notice notice={notice} />
      {!patient && !shown && <Text>Loading the record…</Text>}
      {patient && (
        <Card withBorder padding="lg" component="section" aria-labelledby="patient-heading">
          <Stack gap="md">
            <Group justify="space-between" align="flex-start">
              <Stack gap={4}>
                <Title order={2} id="patient-heading" ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
                  {name}
                </Title>
                {patient.restricted && (
                  <Badge color="red.9" variant="filled">
                    Restricted record
                  </Badge>
                )}
              </Stack>
              {canRestrict && !patient.limited && (
                <Button variant="default" loading={busy} onClick={() => void setRestricted(!patient.restricted)}>
                  {patient.restricted ? 'Lift restriction' : 'Restrict this record'}
                </Button>
              )}
            </Group>
            {patient.emergencyAccessUntil !== null && (
              <Alert color="orange" variant="light" icon={<InfoIcon />} role="status">
                <Text c="dark.9">
                  Emergency access until{' '}
                  <time dateTime={isoDateTime(patient.emergencyAccessUntil)}>
                    {formatDateTime(patient.emergencyAccessUntil)}
                  </time>
                  .
                </Text>
              </Alert>
            )}
            {patient.limited ? (
              <EmergencyAccess
                patientId={patientId}
                name={name}
                canDeclare={hasPermission(user.role, 'patients.breakGlass')}
                onGranted={async (until) => {
                  setNotice(nextNotice(`Emergency access until ${formatDateTime(until)}.`));
                  await load();
                }}
              />
            ) : (
              <>
                <Demographics patient={patient} />
                {patient.medical && hasPermission(user.role, 'patients.medical.update') && (
                  <MedicalForm patient={patient} onSaved={setPatient} />
                )}
              </>
            )}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

function Demographics({ patient }: { patient: Profile }) {
  const rows: [string, string | null][] = [
    ['Email', patient.email],
    ['Date of birth', patient.dateOfBirth],
    ['Phone', patient.phone],
    ['Address', patient.address],
    ['Emergency contact', patient.emergencyContactName],
    ['Emergency contact phone', patient.emergencyContactPhone],
  ];
  return (
    <section aria-labelledby="demographics-heading">
      <Title order={3} size="h4" id="demographics-heading" mb="xs">
        Demographics
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" component="dl" style={{ margin: 0 }}>
        {rows.map(([label, value]) => (
          <div key={label}>
            <Text component="dt" fw={600} size="sm">
              {label}
            </Text>
            <Text component="dd" m={0} style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
              {value || 'Not recorded'}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </section>
  );
}

const MEDICAL_FIELDS = ['bloodType', 'allergies', 'medicalNotes'] as const;
type MedicalField = (typeof MEDICAL_FIELDS)[number];

function MedicalForm({ patient, onSaved }: { patient: Profile; onSaved: (profile: Profile) => void }) {
  const [bloodType, setBloodType] = useState(patient.medical?.bloodType ?? '');
  const [allergies, setAllergies] = useState(patient.medical?.allergies ?? '');
  const [notes, setNotes] = useState(patient.medical?.medicalNotes ?? '');
  const [errors, setErrors] = useState<Partial<Record<MedicalField, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    setBusy(true);
    const result = await call((api) =>
      api.patients.updateMedical({
        patientId: patient.userId,
        bloodType: bloodType as (typeof BLOOD_TYPES)[number],
        allergies,
        medicalNotes: notes,
      }),
    );
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setErrors({});
      onSaved(result.value);
      setNotice(nextNotice('The medical information is saved.'));
      return;
    }
    const { fields, other } = fieldMessages(result.error, MEDICAL_FIELDS);
    setErrors(fields);
    setShown(nextShown(result.error, other, true));
  }

  return (
    <section aria-labelledby="medical-form-heading">
      <Title order={3} size="h4" id="medical-form-heading" mb="xs">
        Medical information
      </Title>
      <Stack gap="sm">
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not save the medical information" />
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <NativeSelect
              label="Blood type"
              size="md"
              maw={220}
              value={bloodType}
              onChange={(event) => setBloodType(event.currentTarget.value)}
              data={BLOOD_TYPES.map((type) => ({ value: type, label: type === '' ? 'Not recorded' : type }))}
              error={errors.bloodType}
            />
            <Textarea
              label="Allergies"
              size="md"
              autosize
              minRows={2}
              value={allergies}
              onChange={(event) => setAllergies(event.currentTarget.value)}
              error={errors.allergies}
            />
            <Textarea
              label="Medical notes"
              size="md"
              autosize
              minRows={3}
              value={notes}
              onChange={(event) => setNotes(event.currentTarget.value)}
              error={errors.medicalNotes}
            />
            <Group>
              <Button type="submit" loading={busy}>
                Save medical information
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </section>
  );
}

interface EmergencyAccessProps {
  patientId: number;
  name: string;
  canDeclare: boolean;
  onGranted: (until: number) => Promise<void>;
}

const MIN_REASON = 20;

function EmergencyAccess({ patientId, name, canDeclare, onGranted }: EmergencyAccessProps) {
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (reason.trim().length < MIN_REASON) {
      setReasonError(`Say why, in at least ${MIN_REASON} characters: it is reviewed.`);
      reasonRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await call((api) => api.patients.breakGlass({ patientId, reason }));
    setBusy(false);
    if (result.ok) {
      await onGranted(result.value.expiresAt);
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['reason'] as const);
    setReasonError(fields.reason);
    setShown(nextShown(result.error, other, !fields.reason));
    if (fields.reason) reasonRef.current?.focus();
  }

  return (
    <Stack gap="md">
      <Text fw={500}>This record is restricted. Only the name is shown.</Text>
      {canDeclare && (
        <section aria-labelledby="emergency-heading">
          <Title order={3} size="h4" id="emergency-heading" mb="xs">
            Emergency access
          </Title>
          <Stack gap="sm">
            <Text size="sm">
              In an emergency you can open {name}’s record for a limited time. Your reason is recorded and reviewed by
              an administrator.
            </Text>
            <ErrorAlert shown={shown} title="We could not grant emergency access" />
            <form onSubmit={submit} noValidate>
              <Stack gap="md">
                <Textarea
                  ref={reasonRef}
                  label="Reason for emergency access"
                  description={`At least ${MIN_REASON} characters. It is recorded and reviewed.`}
                  size="md"
                  autosize
                  minRows={3}
                  required
                  withAsterisk={false}
                  value={reason}
                  onChange={(event) => {
                    setReason(event.currentTarget.value);
                    setReasonError(undefined);
                  }}
                  error={reasonError}
                />
                <Group>
                  <Button type="submit" color="red.9" loading={busy}>
                    Declare emergency access
                  </Button>
                </Group>
              </Stack>
            </form>
          </Stack>
        </section>
      )}
    </Stack>
  );
}

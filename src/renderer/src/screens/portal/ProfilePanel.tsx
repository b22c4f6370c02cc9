// One's own profile: contact details, emergency contact, the photo; for patients the medical fields as the care
// team entered them (read-only); for staff the department and specialization.
import { Button, Card, Group, Image, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ownProfileUpdateSchema, type Profile } from '../../../../shared/profile';
import type { UserSummary } from '../../../../shared/schemas';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { Notice, type NoticeMessage } from '../../components/Notice';

const PATIENT_FIELDS = ['phone', 'dateOfBirth', 'address', 'emergencyContactName', 'emergencyContactPhone'] as const;
const STAFF_FIELDS = [...PATIENT_FIELDS, 'department', 'specialization'] as const;
type Field = (typeof STAFF_FIELDS)[number];
type Values = Record<Field, string>;

const MAX_AVATAR_BYTES = 512 * 1024;

function valuesOf(profile: Profile): Values {
  return {
    phone: profile.phone ?? '',
    dateOfBirth: profile.dateOfBirth ?? '',
    address: profile.address ?? '',
    emergencyContactName: profile.emergencyContactName ?? '',
    emergencyContactPhone: profile.emergencyContactPhone ?? '',
    department: profile.staff?.department ?? '',
    specialization: profile.staff?.specialization ?? '',
  };
}

function nextShown(error: ShownError['error'], other: string[] = [], focus = false) {
  return (previous: ShownError | null): ShownError => ({ error, other, id: (previous?.id ?? 0) + 1, focus });
}

function nextNotice(text: string, tone: NoticeMessage['tone'] = 'success') {
  return (previous: NoticeMessage | null): NoticeMessage => ({ text, tone, id: (previous?.id ?? 0) + 1 });
}

export function ProfilePanel({ user }: { user: UserSummary }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [loadError, setLoadError] = useState<ShownError | null>(null);
  useEffect(() => {
    let live = true;
    void call((api) => api.profile.get({})).then((result) => {
      if (!live) return;
      if (result.ok) setProfile(result.value);
      else setLoadError(nextShown(result.error)(null));
    });
    return () => {
      live = false;
    };
  }, []);

  if (loadError) return <ErrorAlert shown={loadError} title="We could not show your profile" />;
  if (!profile) return <Text>Loading your profile…</Text>;
  return (
    <Stack gap="lg">
      <AvatarCard name={`${user.firstName} ${user.lastName}`} />
      <DetailsCard profile={profile} onSaved={setProfile} />
      {profile.medical && (
        <Card withBorder padding="lg" component="section" aria-labelledby="medical-heading">
          <Stack gap="sm">
            <Stack gap={2}>
              <Title order={2} size="h3" id="medical-heading">
                Medical information
              </Title>
              <Text size="sm" c="dimmed">
                Entered by your care team. Ask them if something is not right.
              </Text>
            </Stack>
            <MedicalSummary medical={profile.medical} />
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

export function MedicalSummary({ medical }: { medical: NonNullable<Profile['medical']> }) {
  const rows: [string, string | null][] = [
    ['Blood type', medical.bloodType],
    ['Allergies', medical.allergies],
    ['Medical notes', medical.medicalNotes],
  ];
  return (
    <dl style={{ margin: 0 }}>
      {rows.map(([label, value]) => (
        <div key={label} style={{ marginBottom: 8 }}>
          <Text component="dt" fw={600}>
            {label}
          </Text>
          <Text component="dd" m={0} style={{ whiteSpace: 'pre-wrap' }}>
            {value || 'Not recorded'}
          </Text>
        </div>
      ))}
    </dl>
  );
}

function DetailsCard({ profile, onSaved }: { profile: Profile; onSaved: (profile: Profile) => void }) {
  const isStaff = profile.staff !== null;
  const fields: readonly Field[] = isStaff ? STAFF_FIELDS : PATIENT_FIELDS;
  const [values, setValues] = useState<Values>(() => valuesOf(profile));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const refs = useRef<Partial<Record<Field, HTMLInputElement | HTMLTextAreaElement | null>>>({});

  function update(field: Field, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => ({ ...current, [field]: undefined }));
  }

  function showErrors(next: Partial<Record<Field, string>>): boolean {
    setErrors(next);
    const first = fields.find((field) => next[field]);
    if (first) refs.current[first]?.focus();
    return first !== undefined;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    const input = Object.fromEntries(fields.map((field) => [field, values[field]]));
    const parsed = ownProfileUpdateSchema.safeParse(input);
    if (!parsed.success) {
      const next: Partial<Record<Field, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as Field | undefined;
        if (field && !next[field]) next[field] = issue.message;
      }
      setShown(null);
      showErrors(next);
      return;
    }
    setBusy(true);
    const result = await call((api) => api.profile.update(input));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setErrors({});
      setValues(valuesOf(result.value));
      onSaved(result.value);
      setNotice(nextNotice('Your profile is saved.'));
      return;
    }
    const { fields: byField, other } = fieldMessages(result.error, fields);
    const focused = showErrors(byField);
    setShown(nextShown(result.error, other, !focused));
  }

  const input = (field: Field, label: string, extra: Record<string, unknown> = {}) => (
    <TextInput
      ref={(element) => {
        refs.current[field] = element;
      }}
      label={label}
      value={values[field]}
      onChange={(event) => update(field, event.currentTarget.value)}
      error={errors[field]}
      {...extra}
    />
  );

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="details-heading">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={2} size="h3" id="details-heading">
            Your details
          </Title>
          <Text size="sm" c="dimmed">
            {profile.firstName} {profile.lastName}, {profile.email}
            {profile.staff?.employeeId ? `, employee ID ${profile.staff.employeeId}` : ''}
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not save your profile" />
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {input('phone', 'Phone', {
                type: 'tel',
                autoComplete: 'tel',
                description: 'International format, e.g. +12025550143',
              })}
              {input('dateOfBirth', 'Date of birth', { description: 'YYYY-MM-DD', autoComplete: 'bday' })}
            </SimpleGrid>
            <Textarea
              ref={(element) => {
                refs.current.address = element;
              }}
              label="Address"
              autoComplete="street-address"
              autosize
              minRows={2}
              value={values.address}
              onChange={(event) => update('address', event.currentTarget.value)}
              error={errors.address}
            />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {input('emergencyContactName', 'Emergency contact name')}
              {input('emergencyContactPhone', 'Emergency contact phone', {
                type: 'tel',
                description: 'International format, e.g. +12025550143',
              })}
            </SimpleGrid>
            {isStaff && (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                {input('department', 'Department')}
                {input('specialization', 'Specialization')}
              </SimpleGrid>
            )}
            <Group>
              <Button type="submit" loading={busy}>
                Save profile
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

function AvatarCard({ name }: { name: string }) {
  const [avatar, setAvatar] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState<'upload' | 'remove' | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let live = true;
    void call((api) => api.profile.getAvatar({})).then((result) => {
      if (live && result.ok) setAvatar(result.value.avatar);
    });
    return () => {
      live = false;
    };
  }, []);

  async function save(image: string, done: string) {
    setBusy(image === '' ? 'remove' : 'upload');
    const result = await call((api) => api.profile.setAvatar({ image }));
    setBusy(null);
    if (fileRef.current) fileRef.current.value = '';
    if (result.ok) {
      setShown(null);
      setAvatar(result.value.avatar);
      setNotice(nextNotice(done));
    } else {
      const { other } = fieldMessages(result.error, [] as const);
      setShown(nextShown(result.error, other, true));
    }
  }

  async function chosen(event: ChangeEvent<HTMLInputElement>) {
    const file = event.currentTarget.files?.[0];
    setNotice(null);
    setFileError(undefined);
    if (!file) return;
    if (file.type !== 'image/png' && file.type !== 'image/jpeg') {
      setFileError('Choose a PNG or JPEG image.');
      event.currentTarget.value = '';
      return;
    }
    if (file.size > MAX_AVATAR_BYTES) {
      setFileError('The image is too large: at most 512 KB.');
      event.currentTarget.value = '';
      return;
    }
    let image: string;
    try {
      image = await readAsDataUrl(file);
    } catch {
      setFileError('We could not read that file. Choose another one.');
      return;
    }
    await save(image, 'Your profile photo is saved.');
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="photo-heading">
      <Stack gap="md">
        <Title order={2} size="h3" id="photo-heading">
          Your photo
        </Title>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not change your photo" />
        <Group align="flex-start" gap="lg">
          {avatar ? (
            <Image src={avatar} alt={`Profile photo of ${name}`} w={96} h={96} radius="md" fit="cover" />
          ) : (
            <Text size="sm">No photo yet.</Text>
          )}
          <Stack gap="xs">
            <label htmlFor="profile-photo-input">
              <Text component="span" fw={500}>
                Profile photo
              </Text>
            </label>
            <Text size="sm" c="dimmed" id="profile-photo-help">
              A PNG or JPEG image, at most 512 KB.
            </Text>
            <input
              ref={fileRef}
              id="profile-photo-input"
              type="file"
              accept="image/png,image/jpeg"
              aria-describedby={fileError ? 'profile-photo-help profile-photo-error' : 'profile-photo-help'}
              aria-invalid={fileError ? true : undefined}
              disabled={busy !== null}
              onChange={(event) => void chosen(event)}
            />
            {fileError && (
              <Text size="sm" c="red.9" id="profile-photo-error" role="alert">
                {fileError}
              </Text>
            )}
            {avatar && (
              <Group>
                <Button
                  variant="default"
                  onClick={() => void save('', 'Your profile photo is removed.')}
                  loading={busy === 'remove'}
                  disabled={busy === 'upload'}
                >
                  Remove photo
                </Button>
              </Group>
            )}
          </Stack>
        </Group>
      </Stack>
    </Card>
  );
}

// The mail server, the sender, and what every mail carries (clinic name, logo, portal link). Save sends only what
// changed; the password is write-only (a new one, or removal); a setting the machine policy fixes is read-only.
import {
  Button,
  Card,
  Checkbox,
  Fieldset,
  Group,
  Image,
  Input,
  NativeSelect,
  NumberInput,
  Paper,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useRef, useState, type ChangeEvent, type FormEvent, type ReactNode, type RefObject } from 'react';
import type { ChannelInput, ChannelOutput } from '../../../../../shared/contract';
import {
  MAIL_SECURITY,
  MAIL_SECURITY_LABELS,
  MAIL_SETTING_LABELS,
  MAX_LOGO_BYTES,
  mailServerFields,
  normalizeHost,
  plainTextProblem,
  type MailLogo,
  type MailSecurity,
  type MailSettings,
} from '../../../../../shared/mail';
import { call } from '../../../api';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { formatBytes } from '../../../components/format';
import { InfoIcon } from '../../../components/icons';
import { Notice, type NoticeMessage } from '../../../components/Notice';
import { nextNotice, nextShown } from './messages';
import { fieldDescription, fixedSettingsText } from '../../../components/PolicyFixed';

export type MailSettingsView = ChannelOutput<'mail.getSettings'>;
export type SavedMailSettings = ChannelOutput<'mail.updateSettings'> & { logo: MailLogo | null };

type Key = keyof MailSettings;
type Draft = Omit<MailSettings, 'port'> & { port: number | string };
/** Where a refusal is shown: beside a setting, the password, or the logo. */
type Field = Key | 'password' | 'logo';

const KEYS = Object.keys(MAIL_SETTING_LABELS) as Key[];

const GROUPS: { legend: string; keys: Key[] }[] = [
  { legend: 'Mail server', keys: ['host', 'port', 'security', 'username'] },
  { legend: 'Sender', keys: ['fromName', 'fromAddress'] },
  { legend: 'What every mail shows', keys: ['clinicName', 'portalLink'] },
];

/** What HEALTHSPHERE_SMTP_URL gives: the server, saved here as a whole. */
const SERVER_KEYS: Key[] = ['host', 'port', 'security', 'username'];

/** Every field in the order the form shows it: errors are focused, and saved settings named, in this order. */
const FORM_ORDER: Field[] = [
  ...(GROUPS[0]?.keys ?? []),
  'password',
  'trustedCertificate',
  ...GROUPS.slice(1).flatMap((group) => group.keys),
  'logo',
];

const DESCRIPTIONS: Record<Key, string> = {
  host: 'A host name such as smtp.example.com, or an IP address. Leave it empty and mail waits until a server is set.',
  port: 'Usually 587 for STARTTLS, 465 for TLS from the start.',
  security: 'None (plain text) is allowed only for a mail relay on this computer (localhost).',
  username: 'The account HealthSphere signs in to the mail server with. Leave it empty if the server needs no sign-in.',
  fromName: 'The name people see as the sender, such as Riverside Clinic.',
  fromAddress: 'The address mail comes from, such as no-reply@clinic.example.',
  clinicName: 'Shown at the top of every mail.',
  portalLink:
    'The link people are told to open instead of reading content in mail. It must start with https://, such as https://portal.clinic.example.',
  trustedCertificate:
    "Only if your organization's own certificate authority signed the mail server's certificate: paste that authority's certificate here. Public certificates are trusted without it.",
};

const SECURITY_OPTIONS = MAIL_SECURITY.map((value) => ({ value, label: MAIL_SECURITY_LABELS[value] }));

function draftOf(values: MailSettings): Draft {
  return { ...values };
}

/** A setting's value as the read-only field of a fixed setting shows it. */
function valueText(key: Key, values: MailSettings): string {
  if (key === 'security') return MAIL_SECURITY_LABELS[values.security];
  const value = values[key];
  return value === '' ? 'None' : String(value);
}

function logoSrc(logo: MailLogo): string {
  return `data:${logo.type};base64,${logo.dataBase64}`;
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

/** The settings that changed (fixed ones left out), or errors by setting when a value would be refused. */
function changes(
  draft: Draft,
  values: MailSettings,
  fixed: ReadonlySet<Key>,
): { changed: Partial<MailSettings>; errors: Partial<Record<Key, string>> } {
  const changed: Record<string, unknown> = {};
  const errors: Partial<Record<Key, string>> = {};
  for (const key of KEYS) {
    if (fixed.has(key)) continue;
    const raw = draft[key];
    const value = key === 'port' ? (String(raw).trim() === '' ? NaN : Number(raw)) : String(raw).trim();
    const parsed = mailServerFields[key].safeParse(value);
    if (!parsed.success) {
      errors[key] =
        key === 'port' ? 'A port is between 1 and 65535.' : (parsed.error.issues[0]?.message ?? 'Check this value.');
    } else if (parsed.data !== values[key]) changed[key] = parsed.data;
  }
  if (!errors.host && !errors.security) {
    const problem = plainTextProblem({
      host: String(changed['host'] ?? values.host),
      security: (changed['security'] ?? values.security) as MailSecurity,
    });
    if (problem) errors[fixed.has('security') ? 'host' : 'security'] = problem;
  }
  return { changed: changed as Partial<MailSettings>, errors };
}

export function MailSettingsCard({
  settings,
  onSaved,
}: {
  settings: MailSettingsView;
  onSaved: (saved: SavedMailSettings) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings.values));
  const [password, setPassword] = useState('');
  const [clearPassword, setClearPassword] = useState(false);
  /** undefined: the saved logo stays; null: removed on save; a logo: replaces it on save. */
  const [logo, setLogo] = useState<MailLogo | null | undefined>(undefined);
  const [logoName, setLogoName] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const inputs = useRef<Partial<Record<Field, HTMLElement | null>>>({});
  const logoInput = useRef<HTMLInputElement>(null);

  const fixed = new Set<Key>(settings.fixedByPolicy);
  const shownLogo = logo === undefined ? settings.logo : logo;
  const clinicName = (fixed.has('clinicName') ? settings.values.clinicName : draft.clinicName).trim();
  const securityNow = (fixed.has('security') ? settings.values.security : draft.security) as MailSecurity;
  const hostNow = (fixed.has('host') ? settings.values.host : draft.host).trim();
  const plainTextNow = plainTextProblem({ host: hostNow, security: securityNow });

  function update<K extends Key>(key: K, value: Draft[K]) {
    setDraft((current) => ({ ...current, [key]: value }));
    setFieldErrors((errors) => ({ ...errors, [key]: undefined }));
  }

  function showFieldErrors(errors: Partial<Record<Field, string>>): boolean {
    setFieldErrors(errors);
    const first = FORM_ORDER.find((field) => errors[field]);
    if (first) (first === 'logo' ? logoInput.current : inputs.current[first])?.focus();
    return first !== undefined;
  }

  async function chooseLogo(event: ChangeEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const file = input.files?.[0];
    setFieldErrors((errors) => ({ ...errors, logo: undefined }));
    if (!file) return;
    if (file.type !== 'image/png' && file.type !== 'image/jpeg') {
      setFieldErrors((errors) => ({ ...errors, logo: 'Choose a PNG or JPEG image.' }));
      input.value = '';
      return;
    }
    if (file.size > MAX_LOGO_BYTES) {
      setFieldErrors((errors) => ({
        ...errors,
        logo: `The logo is too large (${formatBytes(file.size)}): at most ${formatBytes(MAX_LOGO_BYTES)}.`,
      }));
      input.value = '';
      return;
    }
    try {
      setLogo({ type: file.type, dataBase64: await readAsBase64(file) });
      setLogoName(file.name);
    } catch {
      setFieldErrors((errors) => ({ ...errors, logo: 'We could not read that file. Choose another one.' }));
    }
    input.value = '';
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    const { changed, errors } = changes(draft, settings.values, fixed);
    if (showFieldErrors(errors)) {
      setShown(null);
      return;
    }
    // The server from HEALTHSPHERE_SMTP_URL is replaced as a whole: once any part of it is saved here, all of it is,
    // so what is in force is what the form shows.
    const values: Partial<MailSettings> = { ...changed };
    if (settings.fromEnvironment && SERVER_KEYS.some((key) => key in changed)) {
      for (const key of SERVER_KEYS)
        if (!fixed.has(key) && !(key in values)) Object.assign(values, { [key]: settings.values[key] });
    }
    const input: ChannelInput<'mail.updateSettings'> = { values };
    const named: Partial<Record<Field, string>> = {};
    for (const key of Object.keys(changed) as Key[]) named[key] = MAIL_SETTING_LABELS[key];
    if (password !== '') {
      input.password = password;
      named.password = 'Password';
    } else if (clearPassword && settings.passwordSet) {
      input.clearPassword = true;
      named.password = 'Password removed';
    }
    if (logo !== undefined) {
      input.logo = logo;
      named.logo = logo === null ? 'Logo removed' : 'Logo';
    }
    const saved = FORM_ORDER.flatMap((field) => named[field] ?? []);
    if (saved.length === 0) {
      setShown(null);
      setNotice(nextNotice('No setting was changed.', 'info'));
      return;
    }
    setBusy(true);
    const result = await call((api) => api.mail.updateSettings(input));
    setBusy(false);
    if (result.ok) {
      const keptLogo = logo === undefined ? settings.logo : logo;
      onSaved({ ...result.value, logo: keptLogo });
      setDraft(draftOf(result.value.values));
      setPassword('');
      setClearPassword(false);
      setLogo(undefined);
      setShown(null);
      setFieldErrors({});
      setNotice(nextNotice(`Mail settings saved: ${saved.join('; ')}.`));
      return;
    }
    // The core names refused settings "values.<key>", and the password and logo by their own names.
    const errorsByField: Partial<Record<Field, string>> = {};
    const other: string[] = [];
    for (const [path, message] of Object.entries(result.error.fields ?? {})) {
      const [first, second] = path.split('.');
      const field: Field | undefined =
        first === 'values' && (KEYS as string[]).includes(second ?? '')
          ? (second as Key)
          : first === 'password' || first === 'clearPassword'
            ? 'password'
            : first === 'logo'
              ? 'logo'
              : undefined;
      if (field) errorsByField[field] ??= message;
      else other.push(message);
    }
    const focused = showFieldErrors(errorsByField);
    setShown(nextShown(result.error, other, !focused));
  }

  function field(key: Key): ReactNode {
    const isFixed = fixed.has(key);
    const description = fieldDescription(DESCRIPTIONS[key], isFixed);
    const ref = (element: HTMLElement | null) => {
      inputs.current[key] = element;
    };
    if (isFixed) {
      // Every kind alike: a read-only field with its label and value, reachable by keyboard.
      return key === 'trustedCertificate' ? (
        <Textarea
          key={key}
          label={MAIL_SETTING_LABELS[key]}
          description={description}
          value={valueText(key, settings.values)}
          readOnly
          variant="filled"
          size="md"
          autosize
          minRows={2}
          maxRows={8}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
        />
      ) : (
        <TextInput
          key={key}
          label={MAIL_SETTING_LABELS[key]}
          description={description}
          value={valueText(key, settings.values)}
          readOnly
          variant="filled"
        />
      );
    }
    switch (key) {
      case 'port':
        return (
          <NumberInput
            key={key}
            ref={ref}
            label={MAIL_SETTING_LABELS.port}
            description={description}
            min={1}
            max={65535}
            step={1}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            hideControls
            required
            withAsterisk={false}
            size="md"
            value={draft.port}
            onChange={(value) => update('port', value)}
            error={fieldErrors.port}
          />
        );
      case 'security':
        return (
          <NativeSelect
            key={key}
            ref={ref}
            label={MAIL_SETTING_LABELS.security}
            description={description}
            data={SECURITY_OPTIONS}
            size="md"
            value={draft.security}
            onChange={(event) => update('security', event.currentTarget.value as MailSecurity)}
            // Said at once, not only on save: plain text to another computer would be refused.
            error={fieldErrors.security ?? plainTextNow ?? undefined}
          />
        );
      case 'trustedCertificate':
        return (
          <Textarea
            key={key}
            ref={ref}
            label={`${MAIL_SETTING_LABELS.trustedCertificate}, optional`}
            description={description}
            placeholder="-----BEGIN CERTIFICATE-----"
            size="md"
            autosize
            minRows={3}
            maxRows={10}
            spellCheck={false}
            value={draft.trustedCertificate}
            onChange={(event) => update('trustedCertificate', event.currentTarget.value)}
            error={fieldErrors.trustedCertificate}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
          />
        );
      default:
        return (
          <TextInput
            key={key}
            ref={ref}
            label={MAIL_SETTING_LABELS[key]}
            description={description}
            type={key === 'fromAddress' ? 'email' : key === 'portalLink' ? 'url' : 'text'}
            autoComplete="off"
            spellCheck={false}
            value={String(draft[key])}
            onChange={(event) => update(key, event.currentTarget.value)}
            error={fieldErrors[key]}
          />
        );
    }
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="mail-settings-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="mail-settings-heading">
            Mail settings
          </Title>
          <Text size="sm" c="dimmed">
            The mail server HealthSphere sends through, who mail comes from, and what every mail shows. A machine policy
            set by IT takes precedence over what is saved here.
          </Text>
        </Stack>
        {settings.fromEnvironment && (
          <Paper withBorder p="sm" bg="clinic.0" style={{ borderColor: 'var(--mantine-color-clinic-3)' }}>
            <Group gap="sm" wrap="nowrap" align="flex-start" c="clinic.9">
              <InfoIcon />
              <Text size="sm" c="clinic.9" fw={500}>
                The mail server currently comes from HEALTHSPHERE_SMTP_URL on this computer. Once you save a mail server
                here, it is used instead; enter its password here too if it needs one.
              </Text>
            </Group>
          </Paper>
        )}
        {fixed.size > 0 && (
          <Paper withBorder p="sm" bg="clinic.0" style={{ borderColor: 'var(--mantine-color-clinic-3)' }}>
            <Group gap="sm" wrap="nowrap" align="flex-start" c="clinic.9">
              <InfoIcon />
              <Text size="sm" c="clinic.9" fw={500}>
                {fixedSettingsText(fixed.size)}
              </Text>
            </Group>
          </Paper>
        )}
        <form onSubmit={save} noValidate>
          <Stack gap="lg">
            <Fieldset legend="Mail server" variant="filled">
              <Stack gap="md">
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="md">
                  {(GROUPS[0]?.keys ?? []).map(field)}
                  <PasswordField
                    passwordSet={settings.passwordSet}
                    passwordFixed={settings.passwordFixed}
                    hostChanging={settings.passwordSet && normalizeHost(hostNow) !== settings.values.host}
                    password={password}
                    clearPassword={clearPassword}
                    error={fieldErrors.password}
                    inputRef={(element) => {
                      inputs.current.password = element;
                    }}
                    onPassword={(value) => {
                      setPassword(value);
                      setFieldErrors((errors) => ({ ...errors, password: undefined }));
                    }}
                    onClearPassword={setClearPassword}
                  />
                </SimpleGrid>
                {field('trustedCertificate')}
              </Stack>
            </Fieldset>
            {GROUPS.slice(1).map((group) => (
              <Fieldset key={group.legend} legend={group.legend} variant="filled">
                <Stack gap="md">
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="md">
                    {group.keys.map(field)}
                  </SimpleGrid>
                  {group.keys.includes('clinicName') && (
                    <LogoField
                      logo={shownLogo}
                      changed={logo !== undefined}
                      fileName={logoName}
                      clinicName={clinicName}
                      error={fieldErrors.logo}
                      inputRef={logoInput}
                      disabled={busy}
                      onChoose={(event) => void chooseLogo(event)}
                      onRemove={() => {
                        setLogo(null);
                        setFieldErrors((errors) => ({ ...errors, logo: undefined }));
                      }}
                      onUndo={() => setLogo(undefined)}
                    />
                  )}
                </Stack>
              </Fieldset>
            ))}
            {/* Beside the button, not above a long form: what saving did is seen where it was pressed. */}
            <Notice notice={notice} />
            <ErrorAlert shown={shown} title="We could not save the mail settings" />
            <Group>
              <Button type="submit" loading={busy}>
                Save mail settings
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

function PasswordField({
  passwordSet,
  passwordFixed,
  hostChanging,
  password,
  clearPassword,
  error,
  inputRef,
  onPassword,
  onClearPassword,
}: {
  passwordSet: boolean;
  passwordFixed: boolean;
  hostChanging: boolean;
  password: string;
  clearPassword: boolean;
  error: string | undefined;
  inputRef: (element: HTMLInputElement | null) => void;
  onPassword: (value: string) => void;
  onClearPassword: (value: boolean) => void;
}) {
  if (passwordFixed)
    return (
      <TextInput
        label="Server password"
        description={fieldDescription('It comes with the mail server in the machine policy, and is never shown.', true)}
        value="Kept by the machine policy"
        readOnly
      />
    );
  return (
    <Stack gap="xs">
      <PasswordInput
        ref={inputRef}
        label={passwordSet ? 'New server password' : 'Server password'}
        description={
          hostChanging
            ? 'The kept password is removed when the mail server changes (it is never sent to another server). Enter the password for the new server.'
            : passwordSet
              ? 'A password is kept (stored encrypted, never shown). Type a new one only to replace it.'
              : 'No password kept. Enter one if the server asks for a password with the user name.'
        }
        autoComplete="new-password"
        value={password}
        onChange={(event) => onPassword(event.currentTarget.value)}
        error={error}
        visibilityToggleButtonProps={{ 'aria-label': 'Show password characters' }}
      />
      {passwordSet && (
        <Checkbox
          label="Remove the kept password when I save"
          checked={clearPassword && password === ''}
          disabled={password !== ''}
          onChange={(event) => onClearPassword(event.currentTarget.checked)}
        />
      )}
    </Stack>
  );
}

function LogoField({
  logo,
  changed,
  fileName,
  clinicName,
  error,
  inputRef,
  disabled,
  onChoose,
  onRemove,
  onUndo,
}: {
  logo: MailLogo | null;
  changed: boolean;
  fileName: string;
  clinicName: string;
  error: string | undefined;
  inputRef: RefObject<HTMLInputElement | null>;
  disabled: boolean;
  onChoose: (event: ChangeEvent<HTMLInputElement>) => void;
  onRemove: () => void;
  onUndo: () => void;
}) {
  const pending = !changed
    ? null
    : logo
      ? `New logo${fileName ? ` (${fileName})` : ''}: it is kept when you save.`
      : 'The logo is removed when you save.';
  return (
    <Stack gap="xs">
      <div>
        <Input.Label htmlFor="mail-logo-input" size="md">
          Logo, optional
        </Input.Label>
        <Input.Description id="mail-logo-help" size="md">
          A PNG or JPEG image, at most {formatBytes(MAX_LOGO_BYTES)}. It appears at the top of every mail.
        </Input.Description>
      </div>
      <Group align="center" gap="md">
        {logo ? (
          <Paper withBorder p="xs" bg="white">
            <Image
              src={logoSrc(logo)}
              alt={clinicName ? `Logo of ${clinicName}` : 'Clinic logo'}
              mah={64}
              maw={200}
              w="auto"
              fit="contain"
            />
          </Paper>
        ) : (
          <Text size="sm">No logo.</Text>
        )}
        {logo && (
          <Button variant="default" size="sm" onClick={onRemove} disabled={disabled}>
            Remove logo
          </Button>
        )}
        {changed && (
          <Button variant="subtle" size="sm" onClick={onUndo} disabled={disabled}>
            Undo logo change
          </Button>
        )}
      </Group>
      {/* Out of the flow while empty, like Notice: the region exists before its text, so the text is announced. */}
      <div role="status" style={pending ? undefined : { position: 'absolute' }}>
        {pending && (
          <Text size="sm" fw={500}>
            {pending}
          </Text>
        )}
      </div>
      <input
        ref={inputRef}
        id="mail-logo-input"
        type="file"
        accept="image/png,image/jpeg"
        aria-describedby={error ? 'mail-logo-help mail-logo-error' : 'mail-logo-help'}
        aria-invalid={error ? true : undefined}
        disabled={disabled}
        onChange={onChoose}
      />
      {error && (
        <Text size="sm" c="red.9" id="mail-logo-error" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}

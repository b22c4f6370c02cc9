// The administrator's security settings: one field per setting, with its default and its bounds from the schema.
// A setting the machine policy fixes (IT) is shown read-only with "Set by your organization"; it is never sent.
import {
  Button,
  Card,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { ROLE_LABELS, ROLES, type Role } from '../../../../shared/roles';
import { SECURITY_SETTING_LABELS, securitySettingsSchema, type SecuritySettings } from '../../../../shared/settings';
import { call } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { InfoIcon } from '../../components/icons';
import { Notice, type NoticeMessage } from '../../components/Notice';
import { fieldDescription, fixedSettingsText } from '../../components/PolicyFixed';

type Key = keyof SecuritySettings;
type Value = number | string | boolean | string[];
type Draft = Record<Key, Value>;

type Bounds =
  | { kind: 'number'; min: number; max: number }
  | { kind: 'boolean' }
  /** Any number of the options, each once (e.g. roles). */
  | { kind: 'choices'; options: string[] };

/** A setting's kind and bounds, read from the one schema the core validates with. */
export function settingBounds(key: Key): Bounds {
  let schema: z.ZodType = securitySettingsSchema.shape[key];
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  if (schema instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (schema instanceof z.ZodArray && schema.element instanceof z.ZodEnum) {
    return { kind: 'choices', options: schema.element.options.map(String) };
  }
  if (schema instanceof z.ZodNumber) {
    return { kind: 'number', min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
  }
  return { kind: 'number', min: 0, max: Number.MAX_SAFE_INTEGER };
}

const KEYS = Object.keys(SECURITY_SETTING_LABELS) as Key[];

function choiceLabel(option: string): string {
  return (ROLES as readonly string[]).includes(option) ? ROLE_LABELS[option as Role] : option;
}

const GROUPS: { legend: string; keys: Key[] }[] = (
  [
    { legend: 'Passwords', keys: ['passwordMinLength', 'passwordRequireComposition'] },
    {
      legend: 'Sign-in protection',
      keys: ['signInThrottleAfter', 'lockoutThreshold', 'lockoutMinutes', 'workstationFailureLimit'],
    },
    { legend: 'Two-step verification', keys: ['twoFactorRequiredRoles'] },
    { legend: 'Sessions', keys: ['sessionIdleMinutes', 'sessionAbsoluteHours'] },
    {
      legend: 'Email codes',
      keys: ['codeValidMinutes', 'codeMaxAttempts', 'codeResendIntervalSeconds', 'codeResendPerHour'],
    },
    { legend: 'Password hashing', keys: ['argon2MemoryKiB', 'argon2Iterations'] },
  ] as { legend: string; keys: string[] }[]
)
  .map((group) => ({ legend: group.legend, keys: group.keys.filter((key): key is Key => KEYS.includes(key as Key)) }))
  .filter((group) => group.keys.length > 0);
// A setting added to the schema later still gets a field.
const GROUPED = new Set(GROUPS.flatMap((group) => group.keys));
const OTHER_KEYS = KEYS.filter((key) => !GROUPED.has(key));
if (OTHER_KEYS.length > 0) GROUPS.push({ legend: 'Other', keys: OTHER_KEYS });

function describeDefault(value: unknown, bounds: Bounds): string {
  if (bounds.kind === 'boolean') return `Default: ${value ? 'on' : 'off'}`;
  if (bounds.kind === 'choices') {
    const chosen = Array.isArray(value) ? value.map((option) => choiceLabel(String(option))) : [];
    return `Default: ${chosen.length > 0 ? chosen.join(', ') : 'none'}`;
  }
  return `Default: ${String(value)}. Allowed: ${bounds.min} to ${bounds.max}.`;
}

function sameChoices(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** A setting's value in words, as a read-only field shows it. */
function valueText(value: unknown, bounds: Bounds): string {
  if (bounds.kind === 'boolean') return value ? 'On' : 'Off';
  if (bounds.kind === 'choices') {
    const chosen = Array.isArray(value) ? value.map((option) => choiceLabel(String(option))) : [];
    return chosen.length > 0 ? chosen.join(', ') : 'None';
  }
  return String(value);
}

/** The changed settings, or errors by key when a value is out of bounds; settings fixed by policy are left out. */
function changes(
  draft: Draft,
  values: SecuritySettings,
  fixed: ReadonlySet<Key>,
): { changed: Partial<SecuritySettings>; errors: Partial<Record<Key, string>> } {
  const changed: Record<string, Value> = {};
  const errors: Partial<Record<Key, string>> = {};
  for (const key of KEYS) {
    if (fixed.has(key)) continue;
    const bounds = settingBounds(key);
    const raw = draft[key];
    const current: unknown = values[key];
    if (bounds.kind === 'boolean') {
      if (raw !== current) changed[key] = Boolean(raw);
      continue;
    }
    if (bounds.kind === 'choices') {
      const chosen = Array.isArray(raw) ? raw : [];
      if (!sameChoices(chosen, Array.isArray(current) ? current.map(String) : [])) {
        // In the schema's order, so the saved list reads the same as the boxes.
        changed[key] = bounds.options.filter((option) => chosen.includes(option));
      }
      continue;
    }
    const number = typeof raw === 'number' ? raw : Number(String(raw).trim() === '' ? NaN : raw);
    if (!Number.isInteger(number) || number < bounds.min || number > bounds.max) {
      errors[key] = `Enter a whole number from ${bounds.min} to ${bounds.max}.`;
    } else if (number !== current) changed[key] = number;
  }
  return { changed: changed as Partial<SecuritySettings>, errors };
}

function draftOf(values: SecuritySettings): Draft {
  return { ...values } as Draft;
}

export function SecuritySettingsPanel() {
  const [loaded, setLoaded] = useState<{
    values: SecuritySettings;
    defaults: SecuritySettings;
    fixedByPolicy: Key[];
  } | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Key, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const inputs = useRef<Partial<Record<Key, HTMLInputElement | null>>>({});

  useEffect(() => {
    let live = true;
    void call((api) => api.settings.getSecurity({})).then((result) => {
      if (!live) return;
      if (result.ok) {
        setLoaded(result.value);
        setDraft(draftOf(result.value.values));
      } else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
    });
    return () => {
      live = false;
    };
  }, []);

  function showFieldErrors(errors: Partial<Record<Key, string>>): boolean {
    setFieldErrors(errors);
    const first = KEYS.find((key) => errors[key]);
    if (first) inputs.current[first]?.focus();
    return first !== undefined;
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !loaded || !draft) return;
    setNotice(null);
    const { changed, errors } = changes(draft, loaded.values, new Set(loaded.fixedByPolicy));
    if (showFieldErrors(errors)) {
      setShown(null);
      return;
    }
    const changedKeys = Object.keys(changed) as Key[];
    if (changedKeys.length === 0) {
      setShown(null);
      setNotice((previous) => ({ text: 'No setting was changed.', tone: 'info', id: (previous?.id ?? 0) + 1 }));
      return;
    }
    setBusy(true);
    const result = await call((api) => api.settings.updateSecurity({ values: changed }));
    setBusy(false);
    if (result.ok) {
      setLoaded({ ...loaded, values: result.value.values });
      setDraft(draftOf(result.value.values));
      setShown(null);
      setFieldErrors({});
      setNotice((previous) => ({
        text: `Settings saved: ${changedKeys.map((key) => SECURITY_SETTING_LABELS[key]).join('; ')}.`,
        id: (previous?.id ?? 0) + 1,
      }));
      return;
    }
    // The core names refused settings as "values.<key>".
    const errorsByKey: Partial<Record<Key, string>> = {};
    const other: string[] = [];
    for (const [path, message] of Object.entries(result.error.fields ?? {})) {
      const key = path.split('.').find((part) => (KEYS as string[]).includes(part)) as Key | undefined;
      if (key) errorsByKey[key] ??= message;
      else other.push(message);
    }
    const focused = showFieldErrors(errorsByKey);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1, focus: !focused }));
  }

  const fixed = new Set<Key>(loaded?.fixedByPolicy ?? []);
  const allFixed = KEYS.every((key) => fixed.has(key));

  function update(key: Key, value: Value) {
    setDraft((current) => (current ? { ...current, [key]: value } : current));
    setFieldErrors((errors) => ({ ...errors, [key]: undefined }));
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="security-settings-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="security-settings-heading">
            Security settings
          </Title>
          <Text size="sm" c="dimmed">
            These apply to every account. A machine policy set by IT takes precedence over what is saved here.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not save the settings" />
        {!loaded || !draft ? (
          !shown && <Text size="sm">Loading the settings…</Text>
        ) : (
          <form onSubmit={save} noValidate>
            <Stack gap="lg">
              {fixed.size > 0 && (
                <Paper withBorder p="sm" bg="clinic.0" style={{ borderColor: 'var(--mantine-color-clinic-3)' }}>
                  <Group gap="sm" wrap="nowrap" align="flex-start" c="clinic.9">
                    <InfoIcon />
                    <Text size="sm" c="clinic.9" fw={500}>
                      {fixedSettingsText(fixed.size, allFixed)}
                    </Text>
                  </Group>
                </Paper>
              )}
              {GROUPS.map((group) => (
                <Fieldset key={group.legend} legend={group.legend} variant="filled">
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="md">
                    {group.keys.map((key) => {
                      const bounds = settingBounds(key);
                      const isFixed = fixed.has(key);
                      const description = fieldDescription(describeDefault(loaded.defaults[key], bounds), isFixed);
                      if (isFixed) {
                        // Every kind alike: a read-only field with its label and value, reachable by keyboard.
                        return (
                          <TextInput
                            key={key}
                            label={SECURITY_SETTING_LABELS[key]}
                            description={description}
                            value={valueText(loaded.values[key], bounds)}
                            readOnly
                            variant="filled"
                            size="sm"
                          />
                        );
                      }
                      if (bounds.kind === 'choices') {
                        const chosen = draft[key];
                        return (
                          <Checkbox.Group
                            key={key}
                            label={SECURITY_SETTING_LABELS[key]}
                            description={description}
                            value={Array.isArray(chosen) ? chosen : []}
                            onChange={(value) => update(key, value)}
                            error={fieldErrors[key]}
                          >
                            <Group gap="md" mt="xs">
                              {bounds.options.map((option, index) => (
                                <Checkbox
                                  key={option}
                                  value={option}
                                  label={choiceLabel(option)}
                                  ref={
                                    index === 0
                                      ? (element) => {
                                          inputs.current[key] = element;
                                        }
                                      : undefined
                                  }
                                />
                              ))}
                            </Group>
                          </Checkbox.Group>
                        );
                      }
                      if (bounds.kind === 'boolean') {
                        return (
                          <Switch
                            key={key}
                            ref={(element) => {
                              inputs.current[key] = element;
                            }}
                            label={SECURITY_SETTING_LABELS[key]}
                            description={description}
                            checked={Boolean(draft[key])}
                            onChange={(event) => update(key, event.currentTarget.checked)}
                            error={fieldErrors[key]}
                            size="md"
                            mt="xs"
                          />
                        );
                      }
                      return (
                        <NumberInput
                          key={key}
                          ref={(element) => {
                            inputs.current[key] = element;
                          }}
                          label={SECURITY_SETTING_LABELS[key]}
                          description={description}
                          min={bounds.min}
                          max={bounds.max}
                          step={1}
                          allowDecimal={false}
                          allowNegative={false}
                          clampBehavior="none"
                          hideControls
                          required
                          withAsterisk={false}
                          value={draft[key] as number | string}
                          onChange={(value) => update(key, value)}
                          error={fieldErrors[key]}
                        />
                      );
                    })}
                  </SimpleGrid>
                </Fieldset>
              ))}
              {!allFixed && (
                <Group>
                  <Button type="submit" loading={busy}>
                    Save settings
                  </Button>
                </Group>
              )}
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}

// healthsphere-admin policy check [--file FILE]: reads and validates the machine policy exactly as the app does
// at start (loadConfig), then prints where it was read from and what is in force. Exit 0 valid (or no policy),
// 1 invalid, 2 wrong usage. A URL's password is never printed. Needs no database: IT can check a file anywhere.
import { MAIL_SETTING_LABELS, type MailSettings } from '../../shared/mail';
import { parseArgs } from 'node:util';
import { SECURITY_SETTING_LABELS, type SecuritySettings } from '../../shared/settings';
import { ConfigError, type CoreConfig, loadConfig, type LoadConfigOptions, policyLocation } from '../core/config';
import { redactUrl } from '../core/policy/machine-policy';
import { type CliIo, speaker } from './io';

export const POLICY_USAGE_LINE = 'policy check [--file FILE]';

const POLICY_HELP = `Usage: healthsphere-admin ${POLICY_USAGE_LINE}

Reads and validates the machine policy as HealthSphere does at start: the file named by HEALTHSPHERE_POLICY,
or the machine-wide place (Windows %ProgramData%\\HealthSphere\\policy.json, macOS
/Library/Application Support/HealthSphere/policy.json, Linux /etc/healthsphere/policy.json).
  --file FILE   check this file instead (e.g. before copying it to the workstations)
Prints where the policy was read from and the values in force; exit 0 when HealthSphere would start with it,
1 when it would not (the key at fault is named), 2 for wrong usage. See docs/policy.md.
`;

export async function runPolicyCommand(argv: string[], io: CliIo): Promise<number> {
  const out = speaker(io);
  const say = (text = '') => out.say(text);
  const { fail } = out;
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === 'help' || rest.includes('--help')) {
    io.stdout.write(POLICY_HELP.replace('healthsphere-admin', out.program));
    return 0;
  }
  if (sub !== 'check') return out.usage(`unknown policy command "${sub ?? ''}".`, POLICY_USAGE_LINE);
  let file: string | undefined;
  try {
    ({
      values: { file },
    } = parseArgs({ args: rest, options: { file: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    return out.usage((err as Error).message, POLICY_USAGE_LINE);
  }
  if (file === '') return out.usage('--file: give the path of a policy file.', POLICY_USAGE_LINE);

  const options: LoadConfigOptions = file ? { policyFile: { file, namedBy: '--file' } } : {};
  const where = policyLocation(io.env, options);
  let config: CoreConfig;
  try {
    config = loadConfig(io.env, io.defaultDataDir, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (!err.file) return fail(`${err.message}\nHealthSphere would not start with this configuration.`);
    const lines = err.problems.map((p) => `  ${p.key ? `${p.key}: ` : ''}${p.detail}`).join('\n');
    return fail(
      `the machine policy ${err.file} is not valid:\n${lines}\nHealthSphere would not start with it. See docs/policy.md.`,
    );
  }

  const policy = config.policy;
  if (policy) {
    say(`Machine policy: ${policy.file} (${describeSource(where.namedBy)})`);
    say('The policy is valid: HealthSphere starts with it.');
  } else {
    say(`No machine policy: ${where.file} does not exist (the machine-wide place). Nothing is fixed by IT here.`);
  }
  say();
  say('In force on this computer (machine policy > environment > settings an admin saved > defaults):');
  const sourceOf = (policyKey: 'databaseUrl' | 'dataDirectory' | 'mailServerUrl', variable: string) =>
    policy?.values[policyKey] !== undefined
      ? `machine policy: ${policyKey}`
      : io.env[variable]
        ? `environment: ${variable}`
        : 'default';
  const rows: Array<[string, string, string]> = [
    [
      'database',
      config.databaseUrl ? redactUrl(config.databaseUrl) : 'SQLite, healthsphere.db in the data folder',
      sourceOf('databaseUrl', 'HEALTHSPHERE_DATABASE_URL'),
    ],
    [
      'data folder',
      sourceOf('dataDirectory', 'HEALTHSPHERE_DATA_DIR') === 'default' && !io.defaultDataDir
        ? "each user's own HealthSphere folder (in plain Node: ./.healthsphere)"
        : config.dataDir,
      sourceOf('dataDirectory', 'HEALTHSPHERE_DATA_DIR'),
    ],
    [
      'mail server',
      config.smtpUrl ? redactUrl(config.smtpUrl) : 'none: mail waits in the outbox',
      sourceOf('mailServerUrl', 'HEALTHSPHERE_SMTP_URL'),
    ],
    [
      'kiosk mode',
      config.kioskMode ? 'on' : 'off',
      policy?.values.kioskMode !== undefined ? 'machine policy: kioskMode' : 'default',
    ],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value, source] of rows) say(`  ${name.padEnd(width)}  ${value}  [${source}]`);
  say();

  const fixed = Object.entries(policy?.settings ?? {}).filter(([, value]) => value !== undefined) as Array<
    [keyof SecuritySettings, unknown]
  >;
  if (fixed.length > 0) {
    say('Security settings fixed by the policy (shown read-only to admins, "Set by your organization"):');
    for (const [key, value] of fixed) {
      say(
        `  ${key} = ${Array.isArray(value) ? value.join(', ') || '(none)' : String(value)}   ${SECURITY_SETTING_LABELS[key]}`,
      );
    }
    say('Every other security setting is what an admin saved on the Settings tab, or its default.');
  } else {
    say('No security setting is fixed by a policy: they are what an admin saved on the Settings tab, or the defaults.');
  }
  const mailFixed = Object.entries(policy?.values.mail ?? {}).filter(([, value]) => value !== undefined) as Array<
    [keyof MailSettings, unknown]
  >;
  if (mailFixed.length > 0) {
    say('Mail settings fixed by the policy (shown read-only on the Mail tab):');
    for (const [key, value] of mailFixed)
      say(
        `  ${key} = ${key === 'trustedCertificate' ? '(a certificate)' : String(value)}   ${MAIL_SETTING_LABELS[key]}`,
      );
  }
  if (policy) {
    for (const { variable, policyKey } of policy.overriddenEnvironment) {
      io.stderr.write(
        `healthsphere-admin: warning: ${variable} is set in the environment, but the policy's ${policyKey} takes precedence: ${variable} is ignored.\n`,
      );
    }
  }
  return 0;
}

function describeSource(namedBy: string): string {
  if (namedBy === '--file') return 'named by --file';
  if (namedBy === 'HEALTHSPHERE_POLICY') return 'named by HEALTHSPHERE_POLICY';
  return 'the machine-wide place';
}

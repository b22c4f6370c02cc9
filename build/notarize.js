// electron-builder's afterSign hook (build/electron-builder.yml): submits the signed HealthSphere.app to Apple's
// notary service and staples the ticket, so Gatekeeper opens it on machines without a network connection.
// electron-builder calls afterSign only after it has really signed the app.
//
// Credentials come from the environment only (the release workflow fills it from its GitHub secrets), one of:
//   APPLE_API_KEY (the App Store Connect .p8 key: its path, or its text as a CI secret holds it), APPLE_API_KEY_ID,
//   APPLE_API_ISSUER   (preferred)
//   APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID
//   APPLE_KEYCHAIN_PROFILE (and optionally APPLE_KEYCHAIN): credentials stored with `xcrun notarytool store-credentials`
// Without any, a local build is left un-notarized (for testing only); a release sets HEALTHSPHERE_REQUIRE_NOTARIZATION=1
// and then fails instead. A half-given set fails, naming the missing variables (never a value).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CREDENTIAL_SETS = [
  {
    name: 'App Store Connect API key',
    variables: ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
    options: (env) => ({
      appleApiKey: env.APPLE_API_KEY,
      appleApiKeyId: env.APPLE_API_KEY_ID,
      appleApiIssuer: env.APPLE_API_ISSUER,
    }),
  },
  {
    name: 'Apple ID with an app-specific password',
    variables: ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
    options: (env) => ({
      appleId: env.APPLE_ID,
      appleIdPassword: env.APPLE_APP_SPECIFIC_PASSWORD,
      teamId: env.APPLE_TEAM_ID,
    }),
  },
  {
    name: 'notarytool keychain profile',
    variables: ['APPLE_KEYCHAIN_PROFILE'],
    options: (env) => ({
      keychainProfile: env.APPLE_KEYCHAIN_PROFILE,
      ...(env.APPLE_KEYCHAIN ? { keychain: env.APPLE_KEYCHAIN } : {}),
    }),
  },
];

const present = (env, name) => typeof env[name] === 'string' && env[name].trim() !== '';

/**
 * What the hook will do for this platform and environment, without doing it:
 * { action: 'skip' | 'notarize' | 'fail', reason, credentials?, options? }. `options` holds secrets: never print it.
 */
function notarizationPlan(platformName, env) {
  if (platformName !== 'darwin') return { action: 'skip', reason: `nothing to notarize on ${platformName}` };
  for (const set of CREDENTIAL_SETS) {
    const given = set.variables.filter((name) => present(env, name));
    if (given.length === 0) continue;
    if (given.length < set.variables.length) {
      const missing = set.variables.filter((name) => !present(env, name));
      return {
        action: 'fail',
        reason: `notarization with the ${set.name} needs ${set.variables.join(', ')}; missing: ${missing.join(', ')}`,
      };
    }
    return { action: 'notarize', reason: `with the ${set.name}`, credentials: set.name, options: set.options(env) };
  }
  if (env.HEALTHSPHERE_REQUIRE_NOTARIZATION === '1') {
    return {
      action: 'fail',
      reason:
        'a release must be notarized, but no Apple credentials are in the environment ' +
        '(APPLE_API_KEY/APPLE_API_KEY_ID/APPLE_API_ISSUER, APPLE_ID/APPLE_APP_SPECIFIC_PASSWORD/APPLE_TEAM_ID, ' +
        'or APPLE_KEYCHAIN_PROFILE)',
    };
  }
  return { action: 'skip', reason: 'no Apple credentials in the environment: the app is not notarized (testing only)' };
}

/** @electron/notarize as electron-builder itself ships it (a dependency of app-builder-lib). */
function loadNotarize() {
  const builderLib = path.dirname(require.resolve('app-builder-lib/package.json'));
  return require(require.resolve('@electron/notarize', { paths: [builderLib] })).notarize;
}

async function afterSign(context, { env = process.env, notarize = loadNotarize, log = console.log } = {}) {
  const plan = notarizationPlan(context.electronPlatformName, env);
  if (plan.action === 'fail') throw new Error(`macOS notarization: ${plan.reason}`);
  if (plan.action === 'skip') {
    if (context.electronPlatformName === 'darwin') log(`  • skipped macOS notarization  reason=${plan.reason}`);
    return;
  }
  const appPath = path.join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`);
  log(`  • notarizing  app=${appPath} credentials=${plan.credentials}`);
  const options = { ...plan.options };
  let keyDir;
  if (options.appleApiKey && /PRIVATE KEY-----/.test(options.appleApiKey)) {
    // The key's text (a CI secret): notarytool wants a file. Readable by this user only, removed afterwards.
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'healthsphere-notary-'));
    const keyFile = path.join(keyDir, `AuthKey_${options.appleApiKeyId}.p8`);
    fs.writeFileSync(keyFile, `${options.appleApiKey.trim()}\n`, { mode: 0o600 });
    options.appleApiKey = keyFile;
  }
  try {
    // Submits with notarytool, waits for Apple's verdict, then staples the ticket to the app (throws on rejection).
    await notarize()({ appPath, ...options });
  } finally {
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
  }
  log('  • notarized and stapled');
}

module.exports = { afterSign, notarizationPlan };

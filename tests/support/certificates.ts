// Throwaway certificates for the mail tests, made with the openssl command line (an implementation the product
// does not share code with): a CA, a server certificate it signed for this computer's names and addresses, and a
// self-signed certificate for the same names that no client trusts. Made once per test file (module state).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  /** The throwaway CA's certificate: what an admin pastes as the trusted certificate. */
  caPem: string;
  /** The server's key and certificate, signed by the CA. */
  serverKey: string;
  serverCert: string;
  /** A self-signed key and certificate for the same names, trusted by nobody (the "bad certificate" case). */
  untrustedKey: string;
  untrustedCert: string;
  /** The names and addresses both server certificates are valid for. */
  dnsNames: string[];
  ipAddresses: string[];
}

/** This computer's IPv4 addresses that are not loopback (e.g. 192.0.2.2): a "remote" server for the tests. */
export function nonLoopbackIPv4(): string[] {
  const addresses: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal && !addresses.includes(info.address)) addresses.push(info.address);
    }
  }
  return addresses;
}

/** The first non-loopback IPv4 address; throws when the computer has none (no network interface but lo). */
export function firstNonLoopbackIPv4(): string {
  const address = nonLoopbackIPv4()[0];
  if (!address) throw new Error('this computer has no non-loopback IPv4 address');
  return address;
}

let made: TestCertificates | null = null;

/** The certificates of this test file, made on first use. */
export function testCertificates(): TestCertificates {
  made ??= makeCertificates();
  return made;
}

function makeCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-certs-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const hostname = os.hostname();
  const dnsNames = ['localhost', ...(hostname && hostname !== 'localhost' ? [hostname] : [])];
  const ipAddresses = ['127.0.0.1', ...nonLoopbackIPv4()];
  const subjectAltName = [...dnsNames.map((n) => `DNS:${n}`), ...ipAddresses.map((a) => `IP:${a}`)].join(',');

  try {
    // The CA.
    openssl([
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/O=HealthSphere Tests/CN=HealthSphere Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);

    // The server's certificate, signed by the CA.
    openssl([
      'req',
      ...ecKey,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/O=HealthSphere Tests/CN=localhost',
    ]);
    fs.writeFileSync(
      file('server.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid,issuer',
        `subjectAltName=${subjectAltName}`,
        '',
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-set_serial',
      `0x${Date.now().toString(16)}`,
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]);

    // A self-signed certificate for the same names: only the trust fails, not the name.
    openssl([
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file('untrusted.key'),
      '-out',
      file('untrusted.pem'),
      '-days',
      '2',
      '-subj',
      '/O=Nobody You Know/CN=localhost',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-addext',
      `subjectAltName=${subjectAltName}`,
    ]);

    const read = (name: string) => fs.readFileSync(file(name), 'utf8');
    return {
      caPem: read('ca.pem'),
      serverKey: read('server.key'),
      serverCert: read('server.pem'),
      untrustedKey: read('untrusted.key'),
      untrustedCert: read('untrusted.pem'),
      dnsNames,
      ipAddresses,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

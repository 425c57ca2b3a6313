// Throwaway TLS material for tests, made with openssl: a CA, a server certificate for 127.0.0.1 (IP SAN), a
// client certificate, and an unrelated second CA (for "wrong CA" cases).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, runCommand } from '../../tools/devservers/process.js';

export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing we use. */
  readonly otherCaCert: string;
}

async function openssl(args: string[]): Promise<void> {
  await runCommand('openssl', args);
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = makeTempDir('confd-ts-pki-');
  const p = (f: string): string => join(dir, f);
  const ca = async (name: string): Promise<void> => {
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.crt`)]);
  };
  await ca('ca');
  await ca('otherca');
  const leaf = async (name: string, ext: string): Promise<void> => {
    writeFileSync(p(`${name}.ext`), ext);
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`)]);
    await openssl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.crt`)]);
  };
  await leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCaCert: p('otherca.crt'),
  };
}

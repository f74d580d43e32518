// Throwaway certificates for TLS and mutual-TLS tests (SDK HTTP client, MISP client certs), made with the machine's `openssl` in a
// temporary directory: a CA, a server certificate for 127.0.0.1 and a client certificate it
// signed (one PEM file with the certificate and its key, as MISP_CLIENT_CERT takes it), plus
// a client certificate from another CA that the server must refuse.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  ca: string;
  /** Path of the CA certificate (PEM), as a `*_SSL_VERIFY` / `sslVerify` file takes it. */
  caPath: string;
  serverKey: string;
  serverCert: string;
  /** Path of client certificate + key (PEM), signed by `ca`. */
  clientPemPath: string;
  /** Path of a client certificate + key signed by another CA. */
  strangerPemPath: string;
  /** Path of a file with the client certificate only (no key). */
  certOnlyPath: string;
  remove(): void;
}

/** Whether `openssl` can be run here (the tests skip with this reason otherwise). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(path.join(tmpdir(), 'opencti-ts-certs-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const authority = (name: string) => openssl('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
  const signed = (name: string, by: string, extra: string[] = []) => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.crt`, '-CAkey', `${by}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extra);
  };
  authority('test-ca');
  authority('other-ca');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  signed('server', 'test-ca', ['-extfile', 'server.ext']);
  signed('client', 'test-ca');
  signed('stranger', 'other-ca');
  const read = (name: string) => readFileSync(at(name), 'utf8');
  writeFileSync(at('client.pem'), read('client.crt') + read('client.key'));
  writeFileSync(at('stranger.pem'), read('stranger.crt') + read('stranger.key'));
  return {
    dir,
    ca: read('test-ca.crt'),
    caPath: at('test-ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientPemPath: at('client.pem'),
    strangerPemPath: at('stranger.pem'),
    certOnlyPath: at('client.crt'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Mutual TLS for a connector's source client (`clientCert`): against a local HTTPS server that
// requires a client certificate signed by its CA (throwaway certificates made with the
// machine's openssl), the client with the certificate gets its answer and one without is
// refused at the handshake.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from './http.ts';

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)('HTTP client with a client certificate', () => {
  let dir: string;
  let server: https.Server;
  let url: string;
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sdk-mtls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=sdk-test-ca');
    writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    for (const [name, extra] of [
      ['server', ['-extfile', 'server.ext']],
      ['client', []],
    ] as const) {
      run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extra);
    }
    server = https.createServer(
      { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true },
      (request, response) => {
        const peer = (request.socket as import('node:tls').TLSSocket).getPeerCertificate();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client: peer.subject?.CN }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/whoami`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('presents the certificate (one PEM holding certificate and key) and verifies the server against a CA file', async () => {
    const pem = read('client.crt') + read('client.key');
    const http = createHttpClient({ clientCert: { cert: pem, key: pem }, sslVerify: path.join(dir, 'ca.crt'), env: false });
    const result = await http.getJson<{ client: string }>(url);
    expect(result.notModified ? undefined : result.value).toEqual({ client: 'client' });
  });

  it('without it, the server refuses the handshake', async () => {
    const http = createHttpClient({ sslVerify: path.join(dir, 'ca.crt'), env: false, retry: { maxAttempts: 1 } });
    await expect(http.getJson(url)).rejects.toThrow();
  });
});

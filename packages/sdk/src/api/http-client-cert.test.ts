// Mutual TLS for a connector's source client (`clientCert`): against a local HTTPS server that
// requires a client certificate signed by its CA (throwaway certificates made with the
// machine's openssl), the client with the certificate gets its answer and one without is
// refused at the handshake.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeTestCerts, opensslAvailable, type TestCerts } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from './http.ts';

const openssl = opensslAvailable();

describe.skipIf(!openssl)('HTTP client with a client certificate', () => {
  let certs: TestCerts;
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    certs = makeTestCerts();
    server = https.createServer(
      { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
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
    certs?.remove();
  });

  it('presents the certificate (one PEM holding certificate and key) and verifies the server against a CA file', async () => {
    const pem = readFileSync(certs.clientPemPath, 'utf8');
    const http = createHttpClient({ clientCert: { cert: pem, key: pem }, sslVerify: certs.caPath, env: false });
    const result = await http.getJson<{ client: string }>(url);
    expect(result.notModified ? undefined : result.value).toEqual({ client: 'client' });
  });

  it('without it, the server refuses the handshake', async () => {
    const http = createHttpClient({ sslVerify: certs.caPath, env: false, retry: { maxAttempts: 1 } });
    await expect(http.getJson(url)).rejects.toThrow();
  });
});

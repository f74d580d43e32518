// MISP_CLIENT_CERT is checked when the configuration loads: a file that cannot be read, or
// that lacks the certificate or its key, is a configuration error naming the variable (exit 2
// at start, listed by `connector-misp config`), never showing the file's content.
import path from 'node:path';
import { defineConfig, loadConfig } from '@opencti-ts/sdk/config';
import { ConfigError } from '@opencti-ts/sdk/errors';
import { makeTestCerts, opensslAvailable, type TestCerts } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mispSection, readClientCert } from './config.ts';

const schema = defineConfig({ misp: mispSection });
const load = (clientCert: string) =>
  loadConfig(schema, { env: { MISP_URL: 'https://misp.example.org', MISP_KEY: 'k', MISP_CLIENT_CERT: clientCert }, yamlText: '{}' }).misp;

describe.skipIf(!opensslAvailable())('MISP_CLIENT_CERT', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => certs?.remove());

  it('accepts one PEM file with the certificate and its key', () => {
    expect(load(certs.clientPemPath).client_cert).toBe(certs.clientPemPath);
    expect(readClientCert(certs.clientPemPath)).toEqual({ pem: expect.stringContaining('PRIVATE KEY-----') });
  });

  it.each([
    ['a missing file', () => path.join(certs.dir, 'absent.pem'), /MISP_CLIENT_CERT: cannot read .*absent\.pem \(ENOENT\)/],
    ['a certificate without its key', () => certs.certOnlyPath, /MISP_CLIENT_CERT: .*client\.crt holds no PEM private key/],
    ['a directory', () => certs.dir, /MISP_CLIENT_CERT: cannot read .* \(EISDIR\)/],
  ])('refuses %s with a configuration error naming the variable', (_name, file, message) => {
    let error: unknown;
    try {
      load(file());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.envVar)).toEqual(['MISP_CLIENT_CERT']);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain('BEGIN');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.ts';
import { amqpUrl, backoffDelay, connectArguments, DEFAULT_RECONNECT_POLICY, loadPem, type MqConnectionBlock, withMqOverrides } from './connection.ts';

const block: MqConnectionBlock = { host: 'rabbitmq', port: 5672, vhost: '/', use_ssl: false, user: 'opencti', pass: 'changeme' };

describe('amqpUrl', () => {
  it.each([
    ['default vhost "/" is escaped', block, {}, 'amqp://opencti@rabbitmq:5672/%2F'],
    ['TLS and heartbeat', { ...block, use_ssl: true, port: 5671 }, { heartbeatSeconds: 10 }, 'amqps://opencti@rabbitmq:5671/%2F?heartbeat=10'],
    ['user, vhost with reserved characters', { ...block, user: 'a@b:c', vhost: 'team/x y%' }, {}, 'amqp://a%40b%3Ac@rabbitmq:5672/team%2Fx%20y%25'],
    ['password only when asked, escaped', { ...block, pass: 'p@ss:w/rd' }, { includePassword: true }, 'amqp://opencti:p%40ss%3Aw%2Frd@rabbitmq:5672/%2F'],
    ['IPv6 host', { ...block, host: '::1' }, {}, 'amqp://opencti@[::1]:5672/%2F'],
  ])('%s', (_title, input, options, expected) => {
    expect(amqpUrl(input, options)).toBe(expected);
  });

  it('round-trips user, password and vhost through a URL parser', () => {
    const tricky = { ...block, user: 'us er@x', pass: 'p@ss:w/rd%é', vhost: 'a/b c' };
    const url = new URL(amqpUrl(tricky, { includePassword: true }));
    expect(decodeURIComponent(url.username)).toBe(tricky.user);
    expect(decodeURIComponent(url.password)).toBe(tricky.pass);
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(tricky.vhost);
  });

  it('never carries the password by default', () => {
    expect(amqpUrl({ ...block, pass: 'sup3r-secret' })).not.toContain('sup3r-secret');
  });
});

describe('backoffDelay', () => {
  const policy = { ...DEFAULT_RECONNECT_POLICY, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.5 };
  it.each([
    [1, 0, 100],
    [2, 0, 200],
    [4, 0, 800],
    [5, 0, 1000],
    [20, 0, 1000],
    [2, 1, 100],
    [3, 0.5, 300],
  ])('attempt %i with random %d → %i ms', (attempt, random, expected) => {
    expect(backoffDelay(policy, attempt, () => random)).toBe(expected);
  });
});

describe('withMqOverrides', () => {
  it('replaces only the MQ_* values that are set', () => {
    expect(withMqOverrides(block, { host: 'localhost', port: 5673, pass: undefined })).toEqual({ ...block, host: 'localhost', port: 5673 });
  });
});

describe('loadPem', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  it('keeps inline PEM and reads a path', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pem-'));
    try {
      const file = path.join(dir, 'ca.pem');
      writeFileSync(file, pem);
      expect(loadPem(pem, 'MQ_USE_SSL_CA')).toBe(pem);
      expect(loadPem(file, 'MQ_USE_SSL_CA')).toBe(pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the variable when the file cannot be read', () => {
    let error: unknown;
    try {
      loadPem('/nonexistent/ca.pem', 'MQ_USE_SSL_CA');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]?.envVar).toBe('MQ_USE_SSL_CA');
  });
});

describe('connectArguments', () => {
  it('keeps the password out of the URL and asks for a 10 s heartbeat', () => {
    const { url, socketOptions } = connectArguments({ connection: { ...block, pass: 'sup3r-secret' } });
    expect(url).toBe('amqp://opencti@rabbitmq:5672/%2F?heartbeat=10');
    expect(socketOptions.credentials).toMatchObject({ mechanism: 'PLAIN', username: 'opencti', password: 'sup3r-secret' });
    expect(socketOptions).not.toHaveProperty('rejectUnauthorized');
  });

  it.each([
    ['unverified by default, as pycti', {}, { servername: 'rabbitmq', rejectUnauthorized: false }],
    [
      'CA, client certificate and passphrase passed through',
      { ca: 'CA', cert: 'CERT', key: 'KEY', passphrase: 'pw', rejectUnauthorized: true },
      { servername: 'rabbitmq', rejectUnauthorized: true, ca: 'CA', cert: 'CERT', key: 'KEY', passphrase: 'pw' },
    ],
  ])('TLS: %s', (_title, tls, expected) => {
    const { url, socketOptions } = connectArguments({ connection: { ...block, use_ssl: true, port: 5671 }, tls, heartbeatSeconds: 30 });
    expect(url).toBe('amqps://opencti@rabbitmq:5671/%2F?heartbeat=30');
    expect(socketOptions).toMatchObject(expected);
  });
});

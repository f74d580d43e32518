// The configuration an operator of the official image already has keeps working: the
// MITRE_* names and defaults, `false` to disable a collection, CONNECTOR_DURATION_PERIOD
// winning over MITRE_INTERVAL (connectors.md §2.1), and every bad value reported at once.
import { loadConfig } from '@opencti-ts/sdk/config';
import { ConfigError } from '@opencti-ts/sdk/errors';
import { describe, expect, it } from 'vitest';
import { enabledCollections } from './collections.ts';
import { mitreConfig } from './config.ts';
import { mitreConnector } from './connector.ts';

const REQUIRED = { OPENCTI_URL: 'http://opencti.test:8080', OPENCTI_TOKEN: 'c0ffee00-1234-4abc-8def-0123456789ab' };
const load = (env: Record<string, string | undefined>) => loadConfig(mitreConfig, { env: { ...REQUIRED, ...env } });
const DAY = 86_400_000;

describe('MITRE configuration', () => {
  it.each([
    { name: 'the official default (7 days)', env: {}, periodMs: 7 * DAY },
    { name: 'MITRE_INTERVAL in days', env: { MITRE_INTERVAL: '3' }, periodMs: 3 * DAY },
    { name: 'CONNECTOR_DURATION_PERIOD alone', env: { CONNECTOR_DURATION_PERIOD: 'PT12H' }, periodMs: 12 * 3_600_000 },
    { name: 'CONNECTOR_DURATION_PERIOD wins over MITRE_INTERVAL', env: { MITRE_INTERVAL: '3', CONNECTOR_DURATION_PERIOD: 'P1D' }, periodMs: DAY },
  ])('period between runs: $name', ({ env, periodMs }) => {
    expect(mitreConnector.periodMs?.(load(env))).toBe(periodMs);
  });

  it.each([
    { value: 'false', enabled: ['enterprise', 'mobile', 'ics'] },
    { value: 'FALSE', enabled: ['enterprise', 'mobile', 'ics'] },
    { value: ' False ', enabled: ['enterprise', 'mobile', 'ics'] },
    // The official loader ignores empty values: the default URL applies, the collection stays on.
    { value: '', enabled: ['enterprise', 'mobile', 'ics', 'capec'] },
  ])('MITRE_CAPEC_FILE_URL=$value → $enabled', ({ value, enabled }) => {
    const config = load({ MITRE_CAPEC_FILE_URL: value });
    expect(enabledCollections(config.mitre).map((source) => source.name)).toEqual(enabled);
  });

  it('keeps the official order and each collection its own URL', () => {
    const config = load({
      MITRE_ENTERPRISE_FILE_URL: 'false',
      MITRE_ICS_ATTACK_FILE_URL: 'file:///mirror/ics-attack.json',
      MITRE_MOBILE_ATTACK_FILE_URL: 'http://mirror.test/mobile-attack.json',
    });
    expect(enabledCollections(config.mitre)).toEqual([
      { name: 'mobile', url: 'http://mirror.test/mobile-attack.json' },
      { name: 'ics', url: 'file:///mirror/ics-attack.json' },
      { name: 'capec', url: 'https://raw.githubusercontent.com/mitre/cti/master/capec/2.1/stix-capec.json' },
    ]);
  });

  it.each([
    { value: undefined, expected: false },
    { value: 'true', expected: true },
    { value: 'False', expected: false },
  ])('MITRE_REMOVE_STATEMENT_MARKING=$value → $expected', ({ value, expected }) => {
    expect(load(value === undefined ? {} : { MITRE_REMOVE_STATEMENT_MARKING: value }).mitre.remove_statement_marking).toBe(expected);
  });

  it('reports every invalid value at once, each named by its env var', () => {
    let caught: unknown;
    try {
      load({ MITRE_INTERVAL: '0', MITRE_REMOVE_STATEMENT_MARKING: 'maybe', MITRE_MAX_FILE_SIZE_MB: 'lots', CONNECTOR_DURATION_PERIOD: 'P1M' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((issue) => issue.envVar).sort()).toEqual([
      'CONNECTOR_DURATION_PERIOD',
      'MITRE_INTERVAL',
      'MITRE_MAX_FILE_SIZE_MB',
      'MITRE_REMOVE_STATEMENT_MARKING',
    ]);
  });
});

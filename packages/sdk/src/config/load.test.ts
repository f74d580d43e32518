import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../errors/index.ts';
import { baseConfig } from './base.ts';
import { bool, duration, enumOf, int, list, secret, str, url } from './field.ts';
import { type ConfigWarning, loadConfig, resolveConfig } from './load.ts';
import { type ConfigOf, defineConfig } from './schema.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'opencti-ts-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = baseConfig('EXTERNAL_IMPORT');
const schema = defineConfig({
  ...base,
  connector: { ...base.connector, name: base.connector.name.default('MITRE ATT&CK'), duration_period: base.connector.duration_period.default(7 * 86_400_000) },
  mitre: {
    interval: int({ min: 1 }).default(7).describe('Days between two runs.'),
    remove_statement_marking: bool().default(false),
    enterprise_file_url: url().default('https://example.org/enterprise.json'),
    api_key: secret().optional(),
    guess_threats_from_tags: bool().default(false).alias('MITRE_GUESS_THREAT_FROM_TAGS').alias('MITRE_OLD_GUESS', { deprecated: true }),
  },
});

const required = { OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 'token-0123456789', CONNECTOR_ID: 'c9dacf68-b0e6-476d-a24f-4269b1b9cd25' };

/** The ConfigError thrown by `fn`, or a failure. */
function configIssues(fn: () => unknown): readonly ConfigIssue[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new ConfigError([{ envVar: '(test)', message: 'expected a ConfigError' }]);
}

function writeTemp(name: string, content: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

describe('loadConfig precedence: env > config.yml > default', () => {
  const yamlText = 'mitre:\n  interval: 3\nconnector:\n  log_level: info\n';
  it.each([
    ['env wins over config.yml', { MITRE_INTERVAL: '5' }, yamlText, 5],
    ['config.yml wins over the default', {}, yamlText, 3],
    ['default when neither is set', {}, '', 7],
    ['an empty env var counts as unset (falls through to config.yml)', { MITRE_INTERVAL: '' }, yamlText, 3],
    ['a YAML null counts as unset', {}, 'mitre:\n  interval:\n', 7],
  ])('%s', (_name, env, text, interval) => {
    const config = loadConfig(schema, { env: { ...required, ...env }, yamlText: text });
    expect(config.mitre.interval).toBe(interval);
  });

  it('resolves every base setting to its pycti default', () => {
    const config = loadConfig(schema, { env: required, yamlText: '' });
    expect(config.opencti).toEqual({
      url: required.OPENCTI_URL,
      token: required.OPENCTI_TOKEN,
      json_logging: true,
      ssl_verify: false,
      custom_headers: undefined,
    });
    expect(config.connector).toMatchObject({
      id: required.CONNECTOR_ID,
      type: 'EXTERNAL_IMPORT',
      name: 'MITRE ATT&CK',
      scope: ['not-applicable'],
      log_level: 'error',
      queue_threshold: 500,
      run_and_terminate: false,
      send_to_queue: true,
      send_to_directory: false,
      send_to_directory_retention: 7,
      validate_before_import: false,
      queue_protocol: 'amqp',
      expose_metrics: false,
      metrics_port: 9095,
      duration_period: 604_800_000,
    });
    expect(config.mq).toMatchObject({ host: undefined, port: undefined, use_ssl_reject_unauthorized: false });
  });

  it('reads YAML-typed values (booleans, numbers, sequences) from config.yml', () => {
    const text = 'connector:\n  scope: [attack-pattern, " malware "]\n  duration_period: 0\n  send_to_queue: no\nmitre:\n  remove_statement_marking: true\n';
    const config = loadConfig(schema, { env: required, yamlText: text });
    expect(config.connector.scope).toEqual(['attack-pattern', 'malware']);
    expect(config.connector.duration_period).toBe(0);
    expect(config.connector.send_to_queue).toBe(false);
    expect(config.mitre.remove_statement_marking).toBe(true);
  });

  it.each([
    ['0', 0],
    ['PT0S', 0],
    ['PT5M', 300_000],
    ['P1DT12H', 129_600_000],
  ])('CONNECTOR_DURATION_PERIOD=%s → %d ms (0 = run and terminate)', (text, ms) => {
    expect(loadConfig(schema, { env: { ...required, CONNECTOR_DURATION_PERIOD: text }, yamlText: '' }).connector.duration_period).toBe(ms);
  });

  it('infers the config type from the declaration', () => {
    const config = loadConfig(schema, { env: required, yamlText: '' });
    expectTypeOf(config).toEqualTypeOf<ConfigOf<typeof schema>>();
    expectTypeOf(config.mitre.interval).toEqualTypeOf<number>();
    expectTypeOf(config.mitre.api_key).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.connector.type).toEqualTypeOf<'EXTERNAL_IMPORT'>();
    expectTypeOf(config.connector.scope).toEqualTypeOf<string[]>();
    expectTypeOf(config.connector.log_level).toEqualTypeOf<'debug' | 'info' | 'warn' | 'warning' | 'error' | 'critical'>();
    expectTypeOf(config.opencti.ssl_verify).toEqualTypeOf<boolean | string>();
  });

  it('returns a frozen config', () => {
    const config = loadConfig(schema, { env: required, yamlText: '' });
    expect(Object.isFrozen(config) && Object.isFrozen(config.mitre)).toBe(true);
  });
});

describe('every problem at once, each named by its env var', () => {
  it('reports all invalid and missing values in one ConfigError', () => {
    const issues = configIssues(() =>
      loadConfig(schema, {
        env: {
          OPENCTI_URL: 'opencti:8080',
          CONNECTOR_LOG_LEVEL: 'loud',
          CONNECTOR_DURATION_PERIOD: 'P1Y',
          CONNECTOR_SEND_TO_QUEUE: 'maybe',
          MQ_PORT: '99999',
          MITRE_INTERVAL: '7.5',
          CONNECTOR_TYPE: 'STREAM',
        },
        yamlText: 'connector:\n  queue_threshold: lots\n',
      }),
    );
    expect(issues.map((issue) => issue.envVar)).toEqual([
      'OPENCTI_URL',
      'OPENCTI_TOKEN',
      'CONNECTOR_ID',
      'CONNECTOR_TYPE',
      'CONNECTOR_LOG_LEVEL',
      'CONNECTOR_DURATION_PERIOD',
      'CONNECTOR_QUEUE_THRESHOLD',
      'CONNECTOR_SEND_TO_QUEUE',
      'MQ_PORT',
      'MITRE_INTERVAL',
    ]);
    const byVar = Object.fromEntries(issues.map((issue) => [issue.envVar, issue.message]));
    expect(byVar.OPENCTI_TOKEN).toBe('is required: set OPENCTI_TOKEN or opencti.token in config.yml');
    expect(byVar.CONNECTOR_SEND_TO_QUEUE).toContain('"maybe"');
    expect(byVar.CONNECTOR_QUEUE_THRESHOLD).toContain('from config.yml connector.queue_threshold');
    expect(byVar.CONNECTOR_TYPE).toContain('must be EXTERNAL_IMPORT');
  });

  it('ConfigError message lists each env var on its own line', () => {
    try {
      loadConfig(schema, { env: { OPENCTI_URL: 'x' }, yamlText: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('CONFIG_INVALID');
      expect((error as ConfigError).message).toMatch(/^ {2}- OPENCTI_URL: /m);
      expect((error as ConfigError).message).toMatch(/^ {2}- CONNECTOR_ID: /m);
    }
  });

  it('never echoes a secret value in an error', () => {
    const strict = defineConfig({ vendor: { key: secret().check((value) => (value.length < 40 ? 'must be 40 characters' : undefined)), port: int() } });
    const issues = configIssues(() =>
      loadConfig(strict, { env: { VENDOR_KEY: 'hunter2-is-my-password', VENDOR_PORT: 'hunter2-is-my-password' }, yamlText: '' }),
    );
    expect(issues).toEqual([
      { envVar: 'VENDOR_KEY', message: 'must be 40 characters' },
      { envVar: 'VENDOR_PORT', message: 'must be an integer (got "hunter2-is-my-password")' },
    ]);
    const bad = defineConfig({ vendor: { flag: bool().secret() } });
    expect(configIssues(() => loadConfig(bad, { env: { VENDOR_FLAG: 'sekret-value' }, yamlText: '' }))[0]?.message).not.toContain('sekret');
  });

  it('refuses the ChangeMe placeholder left from a sample', () => {
    const issues = configIssues(() => loadConfig(schema, { env: { ...required, OPENCTI_TOKEN: 'ChangeMe' }, yamlText: '' }));
    expect(issues).toEqual([{ envVar: 'OPENCTI_TOKEN', message: 'is still the placeholder "ChangeMe"' }]);
  });
});

describe('<VAR>_FILE', () => {
  it('reads the value from the file, without the trailing newline', () => {
    const file = writeTemp('token.txt', 'file-token-abcdef\n');
    const resolved = resolveConfig(schema, { env: { ...required, OPENCTI_TOKEN: undefined, OPENCTI_TOKEN_FILE: file }, yamlText: '' });
    expect(resolved.config.opencti.token).toBe('file-token-abcdef');
    expect(resolved.origins.OPENCTI_TOKEN).toEqual({ source: 'file', name: 'OPENCTI_TOKEN_FILE' });
  });

  it('works for any variable, not only secrets', () => {
    const file = writeTemp('interval.txt', '12\r\n');
    expect(loadConfig(schema, { env: { ...required, MITRE_INTERVAL_FILE: file }, yamlText: '' }).mitre.interval).toBe(12);
  });

  it('wins over config.yml', () => {
    const file = writeTemp('interval2.txt', '9\n');
    expect(loadConfig(schema, { env: { ...required, MITRE_INTERVAL_FILE: file }, yamlText: 'mitre:\n  interval: 3\n' }).mitre.interval).toBe(9);
  });

  it.each([
    [
      'both VAR and VAR_FILE set',
      { OPENCTI_TOKEN: 'abc-token', OPENCTI_TOKEN_FILE: '/dev/null' },
      { envVar: 'OPENCTI_TOKEN', message: 'is set together with OPENCTI_TOKEN_FILE: set only one of them' },
    ],
    [
      'an unreadable file',
      { OPENCTI_TOKEN: undefined, OPENCTI_TOKEN_FILE: '/nonexistent/token' },
      { envVar: 'OPENCTI_TOKEN_FILE', message: 'cannot read file "/nonexistent/token" (ENOENT)' },
    ],
  ])('reports %s', (_name, env, issue) => {
    expect(configIssues(() => loadConfig(schema, { env: { ...required, ...env }, yamlText: '' }))).toContainEqual(issue);
  });
});

describe('aliases', () => {
  const load = (env: Record<string, string>, yamlText = '') => {
    const warnings: ConfigWarning[] = [];
    const config = loadConfig(schema, { env: { ...required, ...env }, yamlText, onWarning: (warning) => warnings.push(warning) });
    return { value: config.mitre.guess_threats_from_tags, warnings };
  };

  it.each([
    ['the primary name', { MITRE_GUESS_THREATS_FROM_TAGS: 'true' }, []],
    ['a plain alias, silently', { MITRE_GUESS_THREAT_FROM_TAGS: 'true' }, []],
    [
      'a deprecated alias, with a warning',
      { MITRE_OLD_GUESS: 'true' },
      [{ envVar: 'MITRE_OLD_GUESS', message: 'is deprecated: use MITRE_GUESS_THREATS_FROM_TAGS' }],
    ],
  ])('binds %s', (_name, env, warnings) => {
    expect(load(env)).toEqual({ value: true, warnings });
  });

  it('prefers the primary name and says the alias was ignored', () => {
    expect(load({ MITRE_GUESS_THREATS_FROM_TAGS: 'false', MITRE_OLD_GUESS: 'true' })).toEqual({
      value: false,
      warnings: [{ envVar: 'MITRE_OLD_GUESS', message: 'ignored: MITRE_GUESS_THREATS_FROM_TAGS is also set and wins' }],
    });
  });

  it('reads the alias config.yml key derived from its env name', () => {
    expect(load({}, 'mitre:\n  old_guess: true\n')).toEqual({
      value: true,
      warnings: [{ envVar: 'MITRE_OLD_GUESS', message: 'config.yml key mitre.old_guess is deprecated: use mitre.guess_threats_from_tags' }],
    });
  });

  it("keeps pycti's legacy QUEUE_PROTOCOL for CONNECTOR_QUEUE_PROTOCOL", () => {
    const warnings: ConfigWarning[] = [];
    const config = loadConfig(schema, { env: { ...required, QUEUE_PROTOCOL: 'api' }, yamlText: '', onWarning: (warning) => warnings.push(warning) });
    expect(config.connector.queue_protocol).toBe('api');
    expect(warnings).toEqual([{ envVar: 'QUEUE_PROTOCOL', message: 'is deprecated: use CONNECTOR_QUEUE_PROTOCOL' }]);
  });
});

describe('names', () => {
  it('derives EXPORT_FILE_CSV_* and export-file-csv.* from a hyphenated section', () => {
    const csv = defineConfig({ 'export-file-csv': { delimiter: str().default(';') } });
    expect(csv.entries[0]).toMatchObject({ env: 'EXPORT_FILE_CSV_DELIMITER', yaml: { section: 'export-file-csv', key: 'delimiter' } });
    expect(loadConfig(csv, { env: {}, yamlText: "export-file-csv:\n  delimiter: ','\n" })['export-file-csv'].delimiter).toBe(',');
    expect(loadConfig(csv, { env: { EXPORT_FILE_CSV_DELIMITER: '|' }, yamlText: '' })['export-file-csv'].delimiter).toBe('|');
  });

  it('honours .env() and .yaml() overrides', () => {
    const custom = defineConfig({ vendor: { key: str().env('LEGACY_KEY').yaml('legacy.key') } });
    expect(loadConfig(custom, { env: {}, yamlText: 'legacy:\n  key: k\n' }).vendor.key).toBe('k');
    expect(loadConfig(custom, { env: { LEGACY_KEY: 'e' }, yamlText: '' }).vendor.key).toBe('e');
  });

  it.each([
    ['two fields with one env var', () => defineConfig({ a: { x: str() }, b: { y: str().env('A_X') } })],
    ['an alias that is another field', () => defineConfig({ a: { x: str(), y: str().alias('A_X') } })],
    ['a config.yml path deeper than two levels', () => defineConfig({ a: { x: str().yaml('a.b.c') } })],
  ])('refuses a schema with %s', (_name, define) => {
    expect(define).toThrow(expect.objectContaining({ code: 'CONFIG_SCHEMA_INVALID' }));
  });

  it('parses enums case-insensitively only when asked', () => {
    const modes = defineConfig({ x: { loose: enumOf(['AMQP', 'API'], { ignoreCase: true }).optional(), strict: enumOf(['amqp', 'api']).optional() } });
    expect(loadConfig(modes, { env: { X_LOOSE: 'api' }, yamlText: '' }).x.loose).toBe('API');
    expect(configIssues(() => loadConfig(modes, { env: { X_STRICT: 'API' }, yamlText: '' }))[0]?.envVar).toBe('X_STRICT');
  });

  it('parses list items with an item field', () => {
    const levels = defineConfig({ misp: { import_threat_levels: list(int({ min: 1, max: 4 })).default([]) } });
    expect(loadConfig(levels, { env: { MISP_IMPORT_THREAT_LEVELS: '1, 3' }, yamlText: '' }).misp.import_threat_levels).toEqual([1, 3]);
    expect(configIssues(() => loadConfig(levels, { env: { MISP_IMPORT_THREAT_LEVELS: '1,9' }, yamlText: '' }))[0]?.message).toContain(
      'item "9" must be at most 4',
    );
  });

  it('keeps a duration default in milliseconds', () => {
    const d = defineConfig({ x: { every: duration().default(300_000) } });
    expect(loadConfig(d, { env: {}, yamlText: '' }).x.every).toBe(300_000);
  });
});

describe('config.yml location', () => {
  it('reads config.yml next to the entry point first, then one level up, then in cwd', () => {
    const root = path.join(dir, 'search');
    writeTemp('search/connector/config.yml', 'mitre:\n  interval: 2\n');
    writeTemp('search/connector/src/main.ts', '');
    writeTemp('search/config.yml', 'mitre:\n  interval: 4\n');
    const fromEntryParent = resolveConfig(schema, { env: required, entryDir: path.join(root, 'connector/src'), cwd: root });
    expect([fromEntryParent.config.mitre.interval, fromEntryParent.configFile]).toEqual([2, path.join(root, 'connector/config.yml')]);
    writeTemp('search/connector/src/config.yml', 'mitre:\n  interval: 1\n');
    expect(loadConfig(schema, { env: required, entryDir: path.join(root, 'connector/src'), cwd: root }).mitre.interval).toBe(1);
    expect(loadConfig(schema, { env: required, cwd: root }).mitre.interval).toBe(4);
  });

  it('reads an explicit path relative to cwd and reports a missing one', () => {
    writeTemp('explicit/my.yml', 'mitre:\n  interval: 6\n');
    expect(loadConfig(schema, { env: required, cwd: dir, yamlPath: 'explicit/my.yml' }).mitre.interval).toBe(6);
    expect(configIssues(() => loadConfig(schema, { env: required, cwd: dir, yamlPath: 'explicit/missing.yml' }))[0]?.envVar).toBe('config.yml');
  });

  it.each([
    ['invalid YAML', 'mitre: [unclosed\n'],
    ['a YAML list at the top level', '- a\n- b\n'],
  ])('reports %s', (_name, text) => {
    expect(configIssues(() => loadConfig(schema, { env: required, yamlText: text }))).toEqual([expect.objectContaining({ envVar: 'config.yml' })]);
  });

  it('warns about unknown keys under known sections', () => {
    const resolved = resolveConfig(schema, { env: required, yamlText: 'mitre:\n  intervall: 3\nother-tool:\n  x: 1\n' });
    expect(resolved.warnings).toEqual([{ envVar: 'config.yml', message: 'unknown key mitre.intervall (ignored)' }]);
  });
});

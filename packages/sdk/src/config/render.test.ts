import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { baseConfig } from './base.ts';
import { bool, duration, int, list, secret, str, url } from './field.ts';
import { loadConfig } from './load.ts';
import { configJsonSchema, renderComposeEnvironment, renderConfigJsonSchema, renderConfigSample, renderConfigTable } from './render.ts';
import { defineConfig, isRequired } from './schema.ts';

const SECRET_DEFAULT = 'default-secret-never-printed';
const base = baseConfig('EXTERNAL_IMPORT');
const schema = defineConfig({
  ...base,
  connector: {
    ...base.connector,
    name: base.connector.name.default('MISP'),
    scope: base.connector.scope.default(['misp']),
    duration_period: base.connector.duration_period.default(300_000),
  },
  misp: {
    url: url().example('https://misp.example.org').describe('MISP base URL.'),
    key: secret().describe('MISP automation key.'),
    ssl_verify: bool().default(false).describe('Verify the MISP TLS certificate.'),
    reference_url: url().optional().describe('Base of event links; MISP_URL when unset.'),
    import_tags: list().default([]).describe('Only events with one of these tags.'),
    batch_count: int({ min: 1 }).default(9999),
    report_type: str().default("misp-event's").describe("Report type (quote: '), with a | pipe."),
    hmac: secret().default(SECRET_DEFAULT).describe('A secret that has a default.'),
    request_timeout: duration().optional(),
    guess_threats_from_tags: bool().default(false).alias('MISP_GUESS_THREAT_FROM_TAGS').alias('MISP_OLD_GUESS', { deprecated: true }),
  },
});
const everything = [renderConfigTable(schema), renderConfigSample(schema), renderComposeEnvironment(schema), renderConfigJsonSchema(schema, 'misp')];

describe('renderConfigTable', () => {
  const table = renderConfigTable(schema);
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));

  it('has one row per field, each with env var and config.yml key', () => {
    expect(rows).toHaveLength(schema.entries.length);
    for (const entry of schema.entries) expect(table).toContain(`| \`${entry.env}\` | \`${entry.yaml.section}.${entry.yaml.key}\` |`);
  });

  it.each([
    ['OPENCTI_URL', 'yes', ''],
    ['OPENCTI_TOKEN', 'yes', ''],
    ['CONNECTOR_LOG_LEVEL', 'no', '`error`'],
    ['CONNECTOR_DURATION_PERIOD', 'no', '`PT5M`'],
    ['CONNECTOR_SCOPE', 'no', '`misp`'],
    ['MISP_KEY', 'yes', ''],
    ['MISP_HMAC', 'no', ''],
    ['MISP_IMPORT_TAGS', 'no', '`""`'],
  ])('%s: required %s, default %s', (envVar, requiredCell, defaultCell) => {
    const cells = rows.find((row) => row.startsWith(`| \`${envVar}\` |`))?.split(' | ');
    expect(cells?.[3]).toBe(requiredCell);
    expect(cells?.[4]).toBe(defaultCell);
  });

  it('lists required fields first in each section and escapes pipes', () => {
    const misp = rows.filter((row) => row.startsWith('| `MISP_'));
    expect(misp.slice(0, 2).map((row) => row.split(' | ')[0])).toEqual(['| `MISP_URL`', '| `MISP_KEY`']);
    expect(table).toContain('with a \\| pipe');
  });

  it('names aliases and the _FILE variant of secrets', () => {
    expect(table).toContain('Deprecated name: `MISP_OLD_GUESS`.');
    expect(table).toContain('Also read from `MISP_GUESS_THREAT_FROM_TAGS`.');
    expect(table).toContain('`MISP_KEY_FILE`');
    expect(table).toContain('MISP base URL. Example: `https://misp.example.org`.');
  });
});

describe('no generated file prints a secret value', () => {
  it.each(everything.map((text, index) => [index, text]))('output %d', (_index, text) => {
    expect(text).not.toContain(SECRET_DEFAULT);
  });
});

describe('renderConfigSample', () => {
  const sample = renderConfigSample(schema);

  it('sets required values to ChangeMe or their example, and comments optional ones with their default', () => {
    expect(sample).toContain("opencti:\n  # URL of the OpenCTI platform (the GraphQL endpoint is <url>/graphql).\n  url: 'http://localhost'\n");
    expect(sample).toContain("  token: 'ChangeMe'\n");
    expect(sample).toContain("  id: 'ChangeMe'\n");
    expect(sample).toContain("  url: 'https://misp.example.org'\n");
    expect(sample).toContain("  key: 'ChangeMe'\n");
    expect(sample).toContain("  # duration_period: 'PT5M'\n");
    expect(sample).toContain('  # ssl_verify: false\n');
    expect(sample).toContain('  # reference_url:\n');
    expect(sample).not.toContain('mq:'); // advanced settings stay out of the sample
  });

  it('parses as YAML and, loaded back with the required values, yields the defaults', () => {
    const document = parseYaml(sample) as Record<string, Record<string, unknown>>;
    expect(Object.keys(document)).toEqual(['opencti', 'connector', 'misp']);
    const env = { OPENCTI_TOKEN: 'token-0123456789', CONNECTOR_ID: 'id-1', MISP_KEY: 'misp-key-0123' };
    const fromSample = loadConfig(schema, { env, yamlText: sample });
    const fromDefaults = loadConfig(schema, { env: { ...env, OPENCTI_URL: 'http://localhost', MISP_URL: 'https://misp.example.org' }, yamlText: '' });
    expect(fromSample).toEqual(fromDefaults);
  });

  it('uncommented, every default line loads back to the same value', () => {
    const uncommented = sample.replace(/^ {2}# (\w+:.*\S)$/gm, (_line, body: string) => (/^\w+:$/.test(body) ? `  # ${body}` : `  ${body}`));
    const env = { OPENCTI_TOKEN: 'token-0123456789', CONNECTOR_ID: 'id-1', MISP_KEY: 'misp-key-0123' };
    expect(loadConfig(schema, { env, yamlText: uncommented })).toEqual(loadConfig(schema, { env, yamlText: sample }));
  });
});

describe('renderComposeEnvironment', () => {
  const lines = renderComposeEnvironment(schema, { indent: '      ' }).trimEnd().split('\n');

  it('puts required variables first with placeholders, then optional ones commented with their default', () => {
    expect(lines.slice(0, 5)).toEqual([
      '      - OPENCTI_URL=http://localhost',
      '      - OPENCTI_TOKEN=ChangeMe',
      '      - CONNECTOR_ID=ChangeMe',
      '      - MISP_URL=https://misp.example.org',
      '      - MISP_KEY=ChangeMe',
    ]);
    expect(lines).toContain('      #- CONNECTOR_DURATION_PERIOD=PT5M');
    expect(lines).toContain('      #- MISP_SSL_VERIFY=false');
    expect(lines).toContain('      #- MISP_HMAC=');
    expect(lines.slice(5).every((line) => line.startsWith('      #- ') || line === '      # advanced settings, defaults shown')).toBe(true);
  });

  it('lists every variable the connector reads, the advanced ones last', () => {
    const marker = lines.indexOf('      # advanced settings, defaults shown');
    expect(marker).toBeGreaterThan(5);
    expect(lines.filter((line) => line.includes('- ')).map((line) => line.replace(/^ *#?- /, '').split('=')[0])).toEqual(
      expect.arrayContaining(schema.entries.map((entry) => entry.env)),
    );
    expect(lines.slice(marker)).toContain('      #- CONNECTOR_METRICS_PORT=9095');
    expect(lines.slice(marker).some((line) => line.startsWith('      #- MQ_HOST='))).toBe(true);
    expect(lines.slice(0, marker).some((line) => line.includes('MQ_') || line.includes('METRICS'))).toBe(false);
  });
});

describe('configJsonSchema', () => {
  const jsonSchema = configJsonSchema(schema, 'misp');
  const properties = jsonSchema.properties as Record<string, Record<string, unknown>>;
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(jsonSchema);

  it('is a valid 2020-12 schema keyed by env var, without CONNECTOR_ID', () => {
    expect(jsonSchema.$id).toBe('https://www.filigran.io/connectors/misp_config.schema.json');
    expect(jsonSchema.additionalProperties).toBe(true);
    expect(properties.CONNECTOR_ID).toBeUndefined();
    expect(jsonSchema.required).toEqual(schema.entries.filter((entry) => isRequired(entry) && entry.env !== 'CONNECTOR_ID').map((entry) => entry.env));
  });

  it.each([
    ['OPENCTI_URL', { type: 'string', format: 'uri' }],
    ['OPENCTI_TOKEN', { type: 'string', format: 'password', writeOnly: true }],
    ['CONNECTOR_TYPE', { type: 'string', const: 'EXTERNAL_IMPORT' }],
    ['CONNECTOR_DURATION_PERIOD', { type: 'string', format: 'duration', default: 'PT5M' }],
    ['CONNECTOR_SCOPE', { type: 'array', items: { type: 'string' }, default: ['misp'] }],
    ['CONNECTOR_QUEUE_PROTOCOL', { type: 'string', enum: ['amqp', 'api'], default: 'amqp' }],
    ['MISP_BATCH_COUNT', { type: 'integer', minimum: 1, default: 9999 }],
    ['MISP_OLD_GUESS', { type: 'boolean', deprecated: true, description: 'Deprecated: use MISP_GUESS_THREATS_FROM_TAGS instead.' }],
  ])('%s', (envVar, expected) => {
    expect(properties[envVar]).toMatchObject(expected);
  });

  it('gives secrets no default', () => {
    expect(properties.MISP_HMAC).not.toHaveProperty('default');
  });

  it('accepts the defaults plus the required values, and rejects a wrong type', () => {
    const values: Record<string, unknown> = { OPENCTI_URL: 'http://localhost', OPENCTI_TOKEN: 't', MISP_URL: 'https://misp.example.org', MISP_KEY: 'k' };
    for (const [key, property] of Object.entries(properties)) if ('default' in property) values[key] = property.default;
    expect(validate(values)).toBe(true);
    expect(validate({ ...values, MISP_BATCH_COUNT: 0 })).toBe(false);
    expect(validate({ ...values, CONNECTOR_TYPE: 'STREAM' })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.ts';
import { baseConfig } from './base.ts';
import { secret } from './field.ts';
import { loadConfig } from './load.ts';
import { configRedactor, printableConfig, printableRows, redactConfig, secretValues } from './redact.ts';
import { defineConfig } from './schema.ts';

const schema = defineConfig({ ...baseConfig('INTERNAL_ENRICHMENT'), whois: { api_key: secret(), backup_key: secret().optional() } });
const env = {
  OPENCTI_URL: 'http://opencti:8080',
  OPENCTI_TOKEN: 'opencti-token-0123',
  OPENCTI_CUSTOM_HEADERS: 'X-Auth:header-secret-99;X-Other:plain-value',
  CONNECTOR_ID: 'id-1',
  CONNECTOR_NAME: 'Whois',
  MQ_PASS: 'rabbit-password',
  WHOIS_API_KEY: 'whois-key-4567',
};
const config = loadConfig(schema, { env, yamlText: 'connector:\n  auto: true\n' });

describe('redaction', () => {
  it('redactConfig hides every set secret and keeps the rest', () => {
    const redacted = redactConfig(config);
    expect(redacted.opencti.token).toBe('***');
    expect(redacted.opencti.custom_headers).toBe('***');
    expect(redacted.mq.pass).toBe('***');
    expect(redacted.whois).toEqual({ api_key: '***', backup_key: undefined });
    expect(redacted.opencti.url).toBe(env.OPENCTI_URL);
    expect(redacted.connector.auto).toBe(true);
    expect(JSON.stringify(redacted)).not.toMatch(/opencti-token|whois-key|rabbit-password|header-secret/);
  });

  it('secretValues lists the set secrets, header values included', () => {
    expect(secretValues(config).sort()).toEqual(
      [env.OPENCTI_TOKEN, env.OPENCTI_CUSTOM_HEADERS, 'header-secret-99', 'plain-value', env.MQ_PASS, env.WHOIS_API_KEY].sort(),
    );
  });

  it('a logger built with configRedactor never writes a secret', () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'whois', level: 'debug', sink: (line) => lines.push(line), redactor: configRedactor(config) });
    logger.info(`calling with ${env.WHOIS_API_KEY}`, { headers: { 'X-Auth': 'header-secret-99' }, config });
    expect(lines.join('\n')).not.toMatch(/whois-key-4567|header-secret-99|opencti-token-0123|rabbit-password/);
  });

  it('printableConfig shows each value with its source, secrets as ***', () => {
    const text = printableConfig(config);
    expect(text).toMatch(/^OPENCTI_URL=http:\/\/opencti:8080 +# env$/m);
    expect(text).toMatch(/^OPENCTI_TOKEN=\*\*\* +# env$/m);
    expect(text).toMatch(/^CONNECTOR_AUTO=true +# config.yml connector.auto$/m);
    expect(text).toMatch(/^CONNECTOR_LOG_LEVEL=error +# default$/m);
    expect(text).toMatch(/^WHOIS_BACKUP_KEY= +# unset$/m);
    for (const value of secretValues(config)) expect(text).not.toContain(value);
  });

  it('printableRows has one row per field', () => {
    expect(printableRows(config).map((row) => row.envVar)).toEqual(schema.entries.map((entry) => entry.env));
  });

  it('refuses an object that loadConfig did not return', () => {
    expect(() => redactConfig({ opencti: { token: 'x' } })).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_LOADED' }));
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel } from './index.ts';
import { Redactor } from './redact.ts';

const fixedNow = () => new Date('2025-01-01T12:00:00.123Z');

function collect(level = 'INFO', secrets: string[] = []) {
  const lines: string[] = [];
  const logger = createLogger({ name: 'MITRE ATT&CK', level, sink: (line) => lines.push(line), redactor: new Redactor(secrets), now: fixedNow });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('JSON logger', () => {
  it("writes pycti's fields in pycti's order", () => {
    const { logger, lines } = collect();
    logger.info('Connector registered', { connector_id: 'abc' });
    expect(lines).toEqual([
      '{"timestamp":"2025-01-01T12:00:00.123000Z","level":"INFO","name":"MITRE ATT&CK","message":"Connector registered","attributes":{"connector_id":"abc"}}',
    ]);
  });

  it('filters below the configured level and accepts WARN for WARNING', () => {
    const { logger, records } = collect('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(records().map((r) => r.level)).toEqual(['WARNING']);
    expect(parseLogLevel('nope')).toBeUndefined();
  });

  it('attaches the error stack as exc_info on error lines, NoneType: None without one', () => {
    const { logger, records } = collect();
    logger.error('Error in message processing', { error: new TypeError('bad thing') });
    logger.error('no exception');
    const [first, second] = records();
    expect(String(first?.exc_info)).toMatch(/^TypeError: bad thing/);
    expect(second?.exc_info).toBe('NoneType: None');
  });

  it('redacts secrets by value everywhere: message, attributes, error text, URL passwords', () => {
    const token = 'd434ce02-e58e-4cac-8b4c-42bf16748e84';
    const { logger, lines } = collect('DEBUG', [token]);
    logger.debug(`calling with ${token}`, { headers: { authorization: `Bearer ${token}` }, url: 'amqp://guest:s3cretpass@broker:5672/' });
    logger.error('failed', { error: new Error(`401 for token ${token}`) });
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain('s3cretpass');
    expect(all).toContain('amqp://guest:***@broker');
  });
});

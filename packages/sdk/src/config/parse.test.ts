import { describe, expect, it } from 'vitest';
import { formatDuration, parseBoolean, parseBooleanOrPath, parseDuration, parseFloatNumber, parseInteger, parseList } from './parse.ts';

describe('parseBoolean', () => {
  it.each([
    // The six spellings pycti recognises (sdk-protocol §a.1).
    ['yes', true],
    ['true', true],
    ['True', true],
    ['no', false],
    ['false', false],
    ['False', false],
    // YAML booleans pass through.
    [true, true],
    [false, false],
    // Also accepted (connectors SDK spellings), in any case.
    ['TRUE', true],
    ['FALSE', false],
    ['1', true],
    ['0', false],
    ['on', true],
    ['Off', false],
    [' yes ', true],
    [1, true],
    [0, false],
  ])('%j → %s', (raw, expected) => {
    expect(parseBoolean(raw)).toEqual({ ok: true, value: expected });
  });

  it.each(['maybe', 'ja', '2', 'y', 'enabled', '', 2, null, ['true']])('refuses %j instead of treating it as truthy', (raw) => {
    expect(parseBoolean(raw).ok).toBe(false);
  });
});

describe('parseDuration', () => {
  it.each([
    ['PT5M', 300_000],
    ['PT1H', 3_600_000],
    ['P1D', 86_400_000],
    ['P7D', 604_800_000],
    ['P1DT12H', 129_600_000],
    ['P1W', 604_800_000],
    ['PT1.5S', 1_000], // whole seconds, fraction truncated (pycti)
    ['pt30s', 30_000],
    ['0', 0], // run-and-terminate
    ['PT0S', 0],
    ['P0D', 0],
    ['3600', 3_600_000], // bare seconds
    [0, 0], // YAML integer
    [60, 60_000],
  ])('%j → %d ms', (raw, ms) => {
    expect(parseDuration(raw)).toEqual({ ok: true, value: ms });
  });

  it.each(['P1Y', 'P1M', 'P', 'PT', 'P1DT', '5 minutes', '-PT5M', 'PT5M3H', '', -5, true])('refuses %j', (raw) => {
    expect(parseDuration(raw).ok).toBe(false);
  });

  it.each(['PT5M', 'P1D', 'P1DT12H', 'P1W', 'PT0S', 'PT1H30M15S', 'P2DT5S'])('formats %s back to itself', (text) => {
    const parsed = parseDuration(text);
    expect(parsed.ok && formatDuration(parsed.value)).toBe(text);
  });
});

describe('parseList', () => {
  it.each([
    ['a,b', ['a', 'b']],
    ['a, b', ['a', 'b']], // trimmed, unlike pycti's CONNECTOR_SCOPE split
    [' application/json , text/xml ', ['application/json', 'text/xml']],
    ['a,,b,', ['a', 'b']],
    ['single', ['single']],
    [
      ['x', ' y ', 3],
      ['x', 'y', '3'],
    ], // YAML sequence
  ])('%j → %j', (raw, expected) => {
    expect(parseList(raw)).toEqual({ ok: true, value: expected });
  });

  it('refuses a mapping', () => {
    expect(parseList({ a: 1 }).ok).toBe(false);
  });
});

describe('numbers', () => {
  it.each([
    ['7', 7],
    [' 42 ', 42],
    ['-3', -3],
    [9095, 9095],
  ])('integer %j → %d', (raw, value) => {
    expect(parseInteger(raw)).toEqual({ ok: true, value });
  });

  it.each(['7.5', '', 'abc', '1e3', 7.5, '99999999999999999999'])('integer refuses %j', (raw) => {
    expect(parseInteger(raw).ok).toBe(false);
  });

  it('applies bounds', () => {
    expect(parseInteger('70000', { max: 65535 })).toEqual({ ok: false, message: 'must be at most 65535' });
    expect(parseInteger('-1', { min: 0 })).toEqual({ ok: false, message: 'must be at least 0' });
  });

  it.each([
    ['500', 500],
    ['0.5', 0.5],
    ['1e3', 1000],
    [12.25, 12.25],
  ])('float %j → %d', (raw, value) => {
    expect(parseFloatNumber(raw)).toEqual({ ok: true, value });
  });

  it.each(['', 'NaN', 'Infinity', '5MB'])('float refuses %j', (raw) => {
    expect(parseFloatNumber(raw).ok).toBe(false);
  });
});

describe('parseBooleanOrPath (OPENCTI_SSL_VERIFY)', () => {
  it.each([
    ['true', true],
    ['False', false],
    ['/etc/ssl/ca.pem', '/etc/ssl/ca.pem'],
  ])('%j → %j', (raw, value) => {
    expect(parseBooleanOrPath(raw)).toEqual({ ok: true, value });
  });

  it.each(['t', 'enabled', 'N'])('refuses the near-boolean %j rather than taking it as a file name', (raw) => {
    expect(parseBooleanOrPath(raw).ok).toBe(false);
  });
});

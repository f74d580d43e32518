import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from '../stix/python-strings.ts';
import { ConnectorState } from './state.ts';

describe('connector state (pycti semantics)', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['{}', undefined],
    ['[1]', undefined],
    ['not json', undefined],
    ['{"last_run": 1700000000}', { last_run: 1700000000 }],
  ])('reads %j as %j', (text, expected) => {
    expect(new ConnectorState(text).get()).toEqual(expected);
  });

  it('pings the JSON text Python would write, "null" when empty', () => {
    const state = new ConnectorState();
    expect(state.toPingText()).toBe('null');
    state.set({ last_run: 1700000001 });
    expect(state.toPingText()).toBe('{"last_run": 1700000001}');
    state.set(null);
    expect(state.toPingText()).toBe('null');
  });

  it('clears the local state when the platform echoes a different one (remote reset)', () => {
    const state = new ConnectorState('{"last_run": 1}');
    expect(state.reconcile('{"last_run": 1}')).toBe(false);
    expect(state.get()).toEqual({ last_run: 1 });
    expect(state.reconcile('')).toBe(true);
    expect(state.get()).toBeUndefined();
  });

  it('escapes non-ASCII like json.dumps', () => {
    expect(pythonJsonDumps({ name: 'Привет', list: [1, 'é'], nested: { ok: true, none: null } })).toBe(
      '{"name": "\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442", "list": [1, "\\u00e9"], "nested": {"ok": true, "none": null}}',
    );
  });
});

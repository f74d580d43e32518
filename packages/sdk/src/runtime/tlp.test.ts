import { describe, expect, it } from 'vitest';
import { TLP_MARKING_IDS } from '../stix/ids.ts';
import type { StixObject } from './messages.ts';
import { entityTlp, isTlpAllowed, normalizeTlp } from './tlp.ts';

describe('isTlpAllowed (pycti check_max_tlp)', () => {
  it.each([
    ['TLP:CLEAR', 'TLP:CLEAR', true],
    ['TLP:WHITE', 'TLP:CLEAR', true],
    ['TLP:GREEN', 'TLP:CLEAR', false],
    ['TLP:AMBER', 'TLP:AMBER', true],
    ['TLP:AMBER+STRICT', 'TLP:AMBER', false],
    ['TLP:RED', 'TLP:AMBER+STRICT', false],
    ['TLP:RED', 'TLP:RED', true],
    ['tlp:green', 'amber', true],
    ['TLP:RED', 'red', true],
    ['TLP:AMBER', 'TLP:UNKNOWN', false],
    [null, 'TLP:CLEAR', true],
    ['TLP:RED', null, true],
  ])('%s under max %s → %s', (tlp, max, allowed) => {
    expect(isTlpAllowed(tlp, max)).toBe(allowed);
  });
});

describe('normalizeTlp', () => {
  it.each([
    ['TLP:AMBER', 'TLP:AMBER'],
    [' amber+strict ', 'TLP:AMBER+STRICT'],
    ['tlp:white', 'TLP:WHITE'],
    ['PAP:RED', undefined],
    ['orange', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normalizeTlp(input)).toBe(expected);
  });
});

describe('entityTlp', () => {
  const entity = (refs: string[]): StixObject => ({
    type: 'domain-name',
    id: 'domain-name--9b8f1ac6-8b42-5f8a-9c3e-3a4b1c2d3e4f',
    value: 'example.org',
    object_marking_refs: refs,
  });
  const customAmberStrict: StixObject = {
    type: 'marking-definition',
    id: 'marking-definition--00000000-0000-4000-8000-000000000001',
    definition_type: 'statement',
    definition: { statement: 'custom' },
    x_opencti_definition_type: 'TLP',
    x_opencti_definition: 'TLP:AMBER+STRICT',
  };

  it('is TLP:CLEAR without a TLP marking', () => {
    expect(entityTlp(entity([]), [])).toEqual({ level: 'TLP:CLEAR', markingId: undefined });
  });

  it('knows the fixed TLP ids without the marking objects', () => {
    expect(entityTlp(entity([TLP_MARKING_IDS['TLP:GREEN']]), [])).toEqual({ level: 'TLP:GREEN', markingId: TLP_MARKING_IDS['TLP:GREEN'] });
  });

  it("resolves OpenCTI's custom TLP markings through the bundle and takes the last TLP marking", () => {
    const refs = [TLP_MARKING_IDS['TLP:GREEN'], 'marking-definition--00000000-0000-4000-8000-0000000000aa', customAmberStrict.id];
    expect(entityTlp(entity(refs), [customAmberStrict])).toEqual({ level: 'TLP:AMBER+STRICT', markingId: customAmberStrict.id });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertCollection, MITRE_STATEMENT_MARKINGS, type StixObject } from './collection.ts';
import { phaseOrder } from './kill-chains.ts';

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/mini-enterprise-v18.json', import.meta.url), 'utf8')) as { objects: StixObject[] };
const byId = (objects: StixObject[], id: string) => objects.find((object) => object.id === id);
const technique = 'attack-pattern--7385dfaf-6886-4229-9ecd-6fd678040830';

describe('MITRE collection conversion', () => {
  const result = convertCollection(fixture.objects, { sourceUrl: 'https://example.test/enterprise-attack.json', removeStatementMarking: false });

  it('removes revoked objects and every relationship touching them, keeps deprecated ones', () => {
    const ids = result.objects.map((object) => object.id);
    expect(ids).not.toContain('attack-pattern--d0f0f1d1-9d1f-4b5e-a9a1-3c0f5e6f7a8b');
    expect(ids).not.toContain('relationship--11111111-2222-4333-8444-555555555555');
    expect(ids).toContain('attack-pattern--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
    expect(ids).toContain('relationship--66666666-7777-4888-9999-aaaaaaaaaaaa');
    expect(result.stats).toMatchObject({ input: 8, revoked: 1, droppedRelationships: 1 });
  });

  it('orders kill-chain phases, drops extra keys and adds the versioned chain right after each', () => {
    expect(result.collectionMajor).toBe(18);
    expect(byId(result.objects, technique)?.kill_chain_phases).toEqual([
      { kill_chain_name: 'mitre-attack', phase_name: 'execution', x_opencti_order: 3 },
      { kill_chain_name: 'mitre-attack-v18', phase_name: 'execution', x_opencti_order: 3 },
      { kill_chain_name: 'mitre-attack', phase_name: 'invented-phase' },
      { kill_chain_name: 'mitre-attack-v18', phase_name: 'invented-phase' },
    ]);
    expect(result.warnings).toEqual(['no kill-chain order for phase "invented-phase" of "mitre-attack"']);
  });

  it('keeps statement markings by default and removes them everywhere on request', () => {
    expect(byId(result.objects, MITRE_STATEMENT_MARKINGS[0] ?? '')).toBeDefined();
    const stripped = convertCollection(fixture.objects, { sourceUrl: 'x', removeStatementMarking: true });
    expect(byId(stripped.objects, MITRE_STATEMENT_MARKINGS[0] ?? '')).toBeUndefined();
    expect(byId(stripped.objects, technique)).not.toHaveProperty('object_marking_refs');
    expect(JSON.stringify(stripped.objects)).not.toContain(MITRE_STATEMENT_MARKINGS[0]);
  });

  it('never changes an id and never mutates its input', () => {
    const before = JSON.stringify(fixture.objects);
    const again = convertCollection(fixture.objects, { sourceUrl: 'x', removeStatementMarking: true });
    expect(JSON.stringify(fixture.objects)).toBe(before);
    for (const object of again.objects) expect(fixture.objects.some((original) => original.id === object.id)).toBe(true);
  });

  it('treats a CAPEC URL as unversioned and upgrades STIX 2.0 objects', () => {
    const capec = convertCollection(
      [
        { type: 'malware', id: 'malware--00000000-0000-4000-8000-000000000001', name: 'x', labels: ['malware'] },
        { type: 'attack-pattern', id: 'attack-pattern--00000000-0000-4000-8000-000000000002', name: 'y', x_capec_status: 'Deprecated' },
      ],
      { sourceUrl: 'https://raw.githubusercontent.com/mitre/cti/master/CAPEC/2.1/stix-capec.json', removeStatementMarking: false },
    );
    expect(capec.collectionMajor).toBeUndefined();
    expect(capec.objects).toEqual([
      { type: 'malware', id: 'malware--00000000-0000-4000-8000-000000000001', name: 'x', labels: ['malware'], spec_version: '2.1', is_family: true },
    ]);
    expect(capec.stats.upgradedFrom20).toBe(1);
  });
});

describe('kill-chain order tables', () => {
  it.each([
    ['mitre-attack', 'defense-evasion', 18, 6],
    ['mitre-attack', 'stealth', 19, 6],
    ['mitre-attack', 'defense-impairment', 19, 7],
    ['mitre-attack', 'impact', 19, 14],
    ['mitre-attack', 'impact', undefined, 14],
    ['mitre-attack', 'impact', 17, 13],
    ['mitre-mobile-attack', 'impact', 17, 11],
    ['mitre-ics-attack', 'inhibit-response-function', 17, 9],
    ['mitre-ics-attack', 'defense-evasion', 17, undefined],
    ['capec', 'execution', undefined, undefined],
  ])('%s / %s (v%s) → %s', (chain, phase, major, order) => {
    expect(phaseOrder(chain, phase, major)).toBe(order);
  });
});

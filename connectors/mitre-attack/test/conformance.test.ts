// Conformance on every real MITRE bundle in ../shared/data/mitre-attack (ATT&CK ICS and
// Mobile in several releases, CAPEC, PRE-ATT&CK, the STIX 2.0 Enterprise of 2018) and on
// the reassembled Enterprise collection used by the benchmark.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readStixBundle, validateStixObject } from '@opencti-ts/sdk/stix';
import { sharedPath, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { convertCollection, type StixObject } from '../src/convert/collection.ts';

const root = sharedPath('data/mitre-attack');
const bench = sharedPath('data/bench/enterprise-attack-reassembled.json.gz');
const files = root.available
  ? ['stix21/ics-attack', 'stix21/mobile-attack', 'stix20', 'capec', 'opencti-fixture'].flatMap((dir) =>
      readdirSync(path.join(root.path, dir))
        .filter((name) => name.endsWith('.json'))
        .map((name) => path.join(root.path, dir, name)),
    )
  : [];
if (bench.available) files.push(bench.path);

async function load(file: string): Promise<StixObject[]> {
  const objects: StixObject[] = [];
  for await (const object of readStixBundle(file)) objects.push(object as StixObject);
  return objects;
}

describe.skipIf(files.length === 0)('real MITRE collections', () => {
  it.each(files.map((file) => [path.relative(root.available ? root.path : '', file), file]))('%s', { timeout: 120_000 }, async (_name, file) => {
    const input = await load(file);
    const sourceUrl = file.toLowerCase().includes('capec') ? 'file:///mirror/capec.json' : `file://${file}`;
    const { objects, collectionMajor } = convertCollection(input, { sourceUrl, removeStatementMarking: false });
    const revoked = new Set(input.filter((o) => o.revoked === true || o.x_capec_status === 'Deprecated').map((o) => o.id));
    const byId = new Map(input.map((o) => [o.id, o]));

    // revoked objects and every relationship touching them are gone; deprecated ones stay
    for (const object of objects) {
      expect(revoked.has(object.id), object.id).toBe(false);
      if (object.type === 'relationship') {
        expect(revoked.has(String(object.source_ref))).toBe(false);
        expect(revoked.has(String(object.target_ref))).toBe(false);
      }
    }
    const touchesRevoked = (o: StixObject) => revoked.has(String(o.source_ref)) || revoked.has(String(o.target_ref));
    const deprecated = input.filter((o) => o.x_mitre_deprecated === true && !revoked.has(o.id) && !touchesRevoked(o)).map((o) => o.id);
    const outputIds = new Set(objects.map((o) => o.id));
    for (const id of deprecated) expect(outputIds.has(id)).toBe(true);

    // ids unchanged: every output object is an input object
    for (const object of objects) expect(byId.has(object.id)).toBe(true);

    // kill-chain phases: ordered on ATT&CK chains, each followed by its versioned twin
    for (const object of objects.filter((o) => o.type === 'attack-pattern' && Array.isArray(o.kill_chain_phases))) {
      const phases = object.kill_chain_phases as { kill_chain_name: string; phase_name: string; x_opencti_order?: number }[];
      for (const [index, phase] of phases.entries()) {
        expect(Object.keys(phase).every((key) => ['kill_chain_name', 'phase_name', 'x_opencti_order'].includes(key))).toBe(true);
        if (collectionMajor !== undefined && /^mitre-(mobile-|ics-)?attack$/.test(phase.kill_chain_name)) {
          expect(phases[index + 1]).toEqual({ ...phase, kill_chain_name: `${phase.kill_chain_name}-v${collectionMajor}` });
        }
      }
    }

    // valid STIX 2.1: the SDK's validator (errors only) and the OASIS schemas
    for (const object of objects) {
      const errors = validateStixObject(object).filter((problem) => problem.severity === 'error');
      expect(errors, `${object.id}: ${JSON.stringify(errors)}`).toEqual([]);
      expect(validateStixWithOasis(object), object.id).toEqual([]);
    }
  });
});

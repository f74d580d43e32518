// The splitter against pycti's own output (shared/data/vectors/splitter), run by run, plus
// the behaviours the vectors cannot show (depth, streaming input, errors).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { OPENCTI_SDO_EXTENSION } from './ids.ts';
import { type SplitOptions, splitBundle, splitBundlesAsJson, splitBundleText, splitObjects, splitObjectsAsync } from './splitter.ts';

interface Run {
  cleanup_inconsistent_bundle: boolean;
  event_version: string | null;
  expectations: number;
  incompatible_ids: string[];
  order: { id: string; x_opencti_seq: number }[];
  bundles: Record<string, unknown>[];
}

const vectorsDir = sharedPath('data/vectors/splitter');
const cases = vectorsDir.available
  ? readdirSync(path.join(vectorsDir.path, 'expected'))
      .filter((file) => file.endsWith('.expected.json'))
      .sort()
      .flatMap((file) => {
        const expected = JSON.parse(readFileSync(path.join(vectorsDir.path, 'expected', file), 'utf8')) as { input: string; runs: Run[] };
        const inputText = readFileSync(path.join(vectorsDir.path, 'inputs', expected.input), 'utf8');
        return expected.runs.map((run) => [expected.input, run.cleanup_inconsistent_bundle, run.event_version, inputText, run] as const);
      })
  : [];

const optionsOf = (run: Run): SplitOptions => ({ cleanupInconsistentBundle: run.cleanup_inconsistent_bundle, eventVersion: run.event_version });

describe.skipIf(!vectorsDir.available)('splitter reproduces pycti 6.8.10', () => {
  it('covers 6 inputs × 2 cleanup modes + 1 event_version run', () => {
    expect(cases).toHaveLength(13);
  });

  it.each(cases)('%s cleanup=%s event_version=%s', (_input, _cleanup, _eventVersion, inputText, run) => {
    const result = splitBundleText(inputText, optionsOf(run));
    expect(result.expectations).toBe(run.expectations);
    expect(result.incompatible.map((item) => item.id)).toEqual(run.incompatible_ids);
    expect(result.bundles.map((bundle) => ({ id: bundle.objects[0].id, x_opencti_seq: bundle.x_opencti_seq }))).toEqual(run.order);
    // Whole bundles, parsed from our JSON text: envelope key order, every object, nb_deps.
    const ours = splitBundlesAsJson(result).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(ours).toEqual(run.bundles);
    expect(ours.map((bundle) => Object.keys(bundle))).toEqual(run.bundles.map((bundle) => Object.keys(bundle)));
  });

  it.each(cases.filter(([, cleanup, eventVersion]) => !cleanup && eventVersion === null))(
    '%s: the same from a stream of objects',
    async (_input, _c, _e, inputText, run) => {
      const bundle = JSON.parse(inputText) as { id: string; objects: unknown[] };
      async function* stream() {
        yield* bundle.objects;
      }
      const result = await splitObjectsAsync(stream(), { ...optionsOf(run), bundleId: () => bundle.id });
      expect(result.bundles).toEqual(run.bundles);
    },
  );
});

const marking = { type: 'marking-definition', id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82' };

describe('splitter beyond the vectors', () => {
  it('walks a 100,000-deep chain of refs without overflowing, referenced objects first', () => {
    const depth = 100_000;
    const ids = Array.from({ length: depth }, (_, index) => `malware--${String(index).padStart(8, '0')}-0000-4000-8000-000000000000`);
    const objects = ids.map((id, index) => ({ type: 'malware', id, name: `m${index}`, ...(index + 1 < depth ? { sample_ref: ids[index + 1] } : {}) }));
    const result = splitObjects(objects, { bundleId: 'bundle--1' });
    expect(result.expectations).toBe(depth);
    expect(result.bundles[0]?.objects[0].id).toBe(ids[depth - 1]);
    expect(result.bundles[depth - 1]?.objects[0]).toMatchObject({ id: ids[0], nb_deps: depth });
  });

  it('keeps a long object_refs list linear and de-duplicated', () => {
    const refs = Array.from({ length: 40_000 }, (_, index) => `indicator--${String(index).padStart(8, '0')}-0000-4000-8000-000000000000`);
    const report = { type: 'report', id: 'report--00000000-0000-4000-8000-000000000000', name: 'r', object_refs: [...refs, ...refs] };
    const objects = [report, ...refs.map((id) => ({ type: 'indicator', id, pattern: '[x]' }))];
    const result = splitObjects(objects);
    expect(result.expectations).toBe(40_001);
    const last = result.bundles.at(-1)?.objects[0];
    expect(last?.object_refs).toEqual(refs);
    // Duplicates are counted each time (pycti's weight), kept once.
    expect(last?.nb_deps).toBe(80_001);
  });

  it('gives every bundle the same random bundle id when none is known', () => {
    const result = splitObjects([{ ...marking }, { type: 'identity', id: 'identity--1', name: 'x', object_marking_refs: [marking.id] }]);
    const ids = new Set(result.bundles.map((bundle) => bundle.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^bundle--[0-9a-f-]{36}$/);
  });

  it('follows an empty-string ref like pycti (an id without "--" is supported, absent: count 0)', () => {
    const result = splitObjects([{ type: 'report', id: 'report--1', name: 'r', object_refs: ['', 'malware--absent'], x_ref: '' }]);
    expect(result.bundles[0]?.objects[0]).toMatchObject({ object_refs: ['', 'malware--absent'], x_ref: '', nb_deps: 1 });
    expect(splitObjects([{ type: 'report', id: 'report--1', object_refs: [''] }], { cleanupInconsistentBundle: true }).bundles[0]?.objects[0]).toMatchObject({
      object_refs: [],
    });
  });

  it('treats a sighting without where_sighted_refs as incompatible instead of failing', () => {
    const result = splitObjects([{ type: 'sighting', id: 'sighting--1', sighting_of_ref: 'malware--1' }]);
    expect(result.expectations).toBe(0);
    expect(result.incompatible.map((item) => item.id)).toEqual(['sighting--1']);
  });

  it.each([
    ['not JSON', '{"objects": [', 'STIX_JSON_INVALID', 'File data is not a valid JSON'],
    ['no objects', '{"type": "bundle"}', 'STIX_BUNDLE_INVALID', 'File data is not a valid bundle'],
    ['an object without id', '{"objects": [{"type": "malware"}]}', 'STIX_OBJECT_INVALID', 'object #0'],
  ])('rejects %s with a typed input error', (_title, text, code, message) => {
    expect(() => splitBundleText(text)).toThrowError(expect.objectContaining({ code, kind: 'input', message: expect.stringContaining(message) }));
  });

  it('finds internal ids under the same extension id as ids.ts', () => {
    const item = { type: 'identity', id: 'identity--1', extensions: { [OPENCTI_SDO_EXTENSION]: { id: 'internal-1' } } };
    // Reached first through its internal id, the identity is emitted twice (pycti's quirk).
    const result = splitObjects([{ type: 'malware', id: 'malware--1', created_by_ref: 'internal-1' }, item]);
    expect(result.bundles.map((bundle) => bundle.objects[0].id)).toEqual(['identity--1', 'identity--1', 'malware--1']);
  });

  it('uses the bundle id of a parsed bundle', () => {
    const result = splitBundle({ id: 'bundle--abc', objects: [{ ...marking }] }, { eventVersion: 7 });
    expect(result.bundles).toEqual([
      { type: 'bundle', id: 'bundle--abc', spec_version: '2.1', x_opencti_seq: 1, objects: [{ ...marking, nb_deps: 1 }], x_opencti_event_version: 7 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Differential check of the explicit-stack walk against a line-by-line, recursive
// transcription of pycti's `enlist_element` (6.8.10, sdk-protocol §e.3), on seeded random
// graphs full of what makes it subtle: cycles through third objects (re-entrant visits
// that see half-built keep-lists), internal ids, duplicate ids, missing and unsupported
// refs, duplicated list entries, embedded lists to de-duplicate.

const OPENCTI = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';
type Obj = Record<string, unknown>;

function pyctiSplit(bundle: { id: string; objects: Obj[] }, cleanup: boolean) {
  const supported = (id: string) => !id.includes('--') || !id.startsWith('x-');
  const internal = (item: Obj) => {
    const ids: string[] = [];
    if (item.x_opencti_id) ids.push(item.x_opencti_id as string);
    const ext = (item.extensions as Record<string, Obj> | undefined)?.[OPENCTI];
    if (ext?.id) ids.push(ext.id as string);
    return ids;
  };
  const cacheIndex = new Map<string, Obj>();
  const cacheRefs = new Map<string, string[]>();
  const elements: Obj[] = [];
  const incompatible: Obj[] = [];
  const raw = new Map<string, Obj>();
  const enlist = (itemId: string, acc: string[]): number => {
    let nbDeps = 1;
    if (!raw.has(itemId)) return 0;
    const existing = cacheIndex.get(itemId);
    if (existing) return existing.nb_deps as number;
    const item = raw.get(itemId)!;
    if (!cacheRefs.has(itemId)) cacheRefs.set(itemId, []);
    for (const key of Object.keys(item)) {
      const value = item[key];
      const ok = (r: string) => supported(r) && !(!raw.has(r) && cleanup) && !acc.includes(r) && r !== itemId && !(cacheRefs.get(r)?.includes(itemId) ?? false);
      if (key.endsWith('_refs')) {
        const toKeep: string[] = [];
        for (const r of item[key] as string[]) {
          if (ok(r)) {
            cacheRefs.get(itemId)!.push(r);
            nbDeps += enlist(r, [...acc, r]);
            if (!toKeep.includes(r)) toKeep.push(r);
          }
          item[key] = toKeep;
        }
      } else if (key.endsWith('_ref')) {
        if (value !== null && ok(value as string)) {
          cacheRefs.get(itemId)!.push(value as string);
          nbDeps += enlist(value as string, [...acc, value as string]);
        } else item[key] = null;
      } else if (key === 'external_references' || key === 'kill_chain_phases') {
        const seen: string[] = [];
        item[key] = (value as Obj[]).filter((entry) => {
          const id =
            key === 'kill_chain_phases'
              ? JSON.stringify([entry.kill_chain_name, entry.phase_name])
              : entry.url != null
                ? `u${entry.url}`
                : entry.source_name != null && entry.external_id != null
                  ? JSON.stringify([entry.source_name, entry.external_id])
                  : null;
          if (id === null || seen.includes(id)) return false;
          seen.push(id);
          return true;
        });
      }
    }
    item.nb_deps = nbDeps;
    if (!cacheIndex.has(itemId)) {
      const compatible =
        item.type === 'relationship'
          ? item.source_ref != null && item.target_ref != null
          : item.type === 'sighting'
            ? item.sighting_of_ref != null && (item.where_sighted_refs as string[]).length > 0
            : supported(itemId);
      (compatible ? elements : incompatible).push(item);
      cacheIndex.set(itemId, item);
      for (const id of internal(item)) cacheIndex.set(id, item);
    }
    return nbDeps;
  };
  for (const item of bundle.objects) {
    raw.set(item.id as string, item);
    for (const id of internal(item)) raw.set(id, item);
  }
  for (const item of bundle.objects) enlist(item.id as string, []);
  elements.sort((a, b) => (a.nb_deps as number) - (b.nb_deps as number));
  return {
    expectations: elements.length,
    incompatible: incompatible.map((item) => item.id),
    bundles: JSON.parse(
      JSON.stringify(elements.map((item) => ({ type: 'bundle', id: bundle.id, spec_version: '2.1', x_opencti_seq: item.nb_deps, objects: [item] }))),
    ),
  };
}

/** mulberry32: a small seeded PRNG, so a failure names a reproducible seed. */
function prng(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(list: readonly T[]) => list[int(list.length)]! };
}

function randomBundle(seed: number): { id: string; objects: Obj[] } {
  const random = prng(seed);
  const types = ['malware', 'identity', 'report', 'relationship', 'sighting', 'x-custom', 'process', 'note'];
  const size = 1 + random.int(25);
  const ids = Array.from({ length: size }, (_, index) => `${random.pick(types)}--${String(index).padStart(4, '0')}`);
  const internalIds: string[] = [];
  const ref = (): string => {
    const roll = random.next();
    if (roll < 0.08) return `malware--missing${random.int(4)}`;
    if (roll < 0.12) return `x-other--${random.int(4)}`;
    if (roll < 0.2 && internalIds.length > 0) return random.pick(internalIds);
    if (roll < 0.23) return `internal-${random.int(size + 1)}`;
    return random.pick(ids);
  };
  const refs = () => Array.from({ length: random.int(6) }, ref);
  const objects = ids.map((id, index) => {
    const type = id.slice(0, id.indexOf('--'));
    const obj: Obj = { type, id: random.next() < 0.05 ? random.pick(ids) : id };
    const keys: [string, unknown][] = [];
    for (let count = random.int(6); count > 0; count -= 1) {
      const roll = random.next();
      if (roll < 0.4)
        keys.push([
          random.pick(['created_by_ref', 'x_a_ref', 'parent_ref', 'source_ref', 'target_ref', 'sighting_of_ref']),
          random.next() < 0.1 ? null : ref(),
        ]);
      else if (roll < 0.8) keys.push([random.pick(['object_refs', 'child_refs', 'where_sighted_refs', 'x_b_refs']), refs()]);
      else if (roll < 0.9)
        keys.push([
          'external_references',
          Array.from({ length: random.int(5) }, () =>
            random.pick([{ url: `u${random.int(3)}` }, { source_name: 's', external_id: String(random.int(3)) }, { source_name: 's' }]),
          ),
        ]);
      else keys.push(['kill_chain_phases', Array.from({ length: random.int(5) }, () => ({ kill_chain_name: 'k', phase_name: String(random.int(3)) }))]);
    }
    if (type === 'relationship') keys.push(['source_ref', ref()], ['target_ref', ref()]);
    if (type === 'sighting') keys.push(['sighting_of_ref', ref()], ['where_sighted_refs', Array.from({ length: random.int(3) }, ref)]);
    for (const [key, value] of keys.sort(() => random.next() - 0.5)) obj[key] = value;
    const roll = random.next();
    if (roll < 0.15) obj.x_opencti_id = `internal-${index}`;
    else if (roll < 0.25) obj.extensions = { [OPENCTI]: { id: `internal-${index}` } };
    if (roll < 0.25) internalIds.push(`internal-${index}`);
    return obj;
  });
  return { id: 'bundle--fuzz', objects };
}

describe('splitter equals a recursive transcription of pycti', () => {
  it.each([false, true])('on 1,500 random graphs (cleanup=%s)', (cleanup) => {
    for (let seed = 1; seed <= 1500; seed += 1) {
      const text = JSON.stringify(randomBundle(seed));
      const expected = pyctiSplit(JSON.parse(text), cleanup);
      const result = splitBundleText(text, { cleanupInconsistentBundle: cleanup });
      const actual = {
        expectations: result.expectations,
        incompatible: result.incompatible.map((item) => item.id),
        bundles: JSON.parse(JSON.stringify(result.bundles)),
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ seed, ...actual }).toEqual({ seed, ...expected });
    }
  });
});

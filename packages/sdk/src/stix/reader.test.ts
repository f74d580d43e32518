// The streaming reader: what it yields for every way a bundle can arrive (chunked anywhere,
// gzip, file, Node stream, HTTP body), and where it says a malformed bundle breaks.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleSource, readStixBundle, StixBundleScanner, splitStixBundle } from './reader.ts';

async function readAll(source: BundleSource, options = {}) {
  const reader = readStixBundle(source, options);
  const objects: Record<string, unknown>[] = [];
  for await (const object of reader) objects.push(object);
  return { objects, bundleId: reader.bundleId };
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; kind?: string; message: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the read to fail');
}

/** Feeds `bytes` to a fresh scanner in pieces cut at `cuts`; returns what it yields. */
function scanInPieces(bytes: Buffer, cuts: number[]) {
  const scanner = new StixBundleScanner();
  const objects: Record<string, unknown>[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    objects.push(...scanner.write(bytes.subarray(from, cut)));
    from = cut;
  }
  scanner.end();
  return { objects, bundleId: scanner.bundleId };
}

// Strings that a naive scanner gets wrong: structural characters and escapes inside
// strings and keys, escaped backslashes before quotes, and 2-, 3- and 4-byte UTF-8.
const tricky = {
  type: 'bundle',
  objects: [
    {
      type: 'malware',
      id: 'malware--00000000-0000-4000-8000-000000000001',
      name: 'Brace } ] [ { "quoted" \\ back\\"slash\\\\',
      description: 'ends with a backslash \\',
      'key with } and "': ['[', ']', '{', '}', '\\"', ''],
      x_unicode: 'é ü — 中文 😀 \u0000 \u2028 \ud83d\ude00',
    },
    { type: 'identity', id: 'identity--00000000-0000-4000-8000-000000000002', name: '😀😀😀', nested: { a: [{ b: [[], {}] }], n: -1.5e3, t: true, z: null } },
    { type: 'note', id: 'note--00000000-0000-4000-8000-000000000003', content: '' },
  ],
  id: 'bundle--00000000-0000-4000-8000-0000000000ff',
  spec_version: '2.1',
};
const trickyPretty = Buffer.from(`\ufeff${JSON.stringify(tricky, null, 2)}\n`, 'utf8');
const trickyCompact = Buffer.from(JSON.stringify(tricky), 'utf8');

describe('StixBundleScanner', () => {
  it.each([
    ['pretty, with a BOM', trickyPretty],
    ['compact', trickyCompact],
  ])('yields the same objects wherever a %s bundle is cut in two', (_title, bytes) => {
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const { objects, bundleId } = scanInPieces(bytes, [cut]);
      expect(objects).toEqual(tricky.objects);
      expect(bundleId).toBe(tricky.id);
    }
  });

  it('yields the same objects when fed one byte at a time (every multi-byte character split)', () => {
    const cuts = Array.from({ length: trickyCompact.length }, (_, index) => index);
    expect(scanInPieces(trickyCompact, cuts).objects).toEqual(tricky.objects);
  });

  it('yields each object as soon as its bytes are complete', () => {
    const scanner = new StixBundleScanner();
    expect(scanner.write(Buffer.from('{"id": "bundle--1", "objects": [{"id": "a"}, {"id"'))).toEqual([{ id: 'a' }]);
    expect(scanner.bundleId).toBe('bundle--1');
    expect(scanner.write(Buffer.from(': "b"}]}'))).toEqual([{ id: 'b' }]);
    scanner.end();
  });

  it('accepts an empty objects array and an id after the objects', () => {
    expect(scanInPieces(Buffer.from('{"objects": [], "id": "bundle--x"}'), [])).toEqual({ objects: [], bundleId: 'bundle--x' });
  });
});

describe('malformed input', () => {
  // `^` marks the byte where the reader must report the fault.
  it.each([
    ['a bad token inside an object', '{"objects": [{"id": "a"}, {"id": ^x}]}', 'STIX_JSON_INVALID'],
    ['a trailing comma inside an object', '{"objects": [{"id": "a",^}]}', 'STIX_JSON_INVALID'],
    ['a mismatched bracket', '{"objects": [{"id": ["a"^}]}', 'STIX_JSON_INVALID'],
    ['a raw control character in a string', '{"objects": [{"id": "é^\u0001"}]}', 'STIX_JSON_INVALID'],
    ['a bad escape after multi-byte text', '{"objects": [{"name": "中文😀\\^q"}]}', 'STIX_JSON_INVALID'],
    ['a missing comma between objects', '{"objects": [{"id": "a"} ^{"id": "b"}]}', 'STIX_JSON_INVALID'],
    ['a bad top-level value', '{"spec_version": 2.1^x, "objects": []}', 'STIX_JSON_INVALID'],
    ['content after the bundle', '{"objects": []} ^x', 'STIX_JSON_INVALID'],
    ['a truncated bundle', '{"objects": [{"id": "a"}, {"id": "b"^', 'STIX_JSON_INVALID'],
    ['an array at the root', '^[{"id": "a"}]', 'STIX_BUNDLE_INVALID'],
    ['objects that is not an array', '{"objects": ^{}}', 'STIX_BUNDLE_INVALID'],
    ['an element that is not an object', '{"objects": [{"id": "a"}, ^"b"]}', 'STIX_OBJECT_INVALID'],
  ])('reports %s with its byte offset', async (_title, marked, code) => {
    const offset = Buffer.byteLength(marked.slice(0, marked.indexOf('^')), 'utf8');
    const bytes = Buffer.from(marked.replace('^', ''), 'utf8');
    const error = await failure(readAll(Readable.from([bytes.subarray(0, 7), bytes.subarray(7)])));
    expect(error).toMatchObject({ code, kind: 'input', details: expect.objectContaining({ offset }) });
    expect(error.message).toContain(String(offset));
  });

  it.each([
    ['no objects array', '{"type": "bundle", "id": "bundle--1"}', 'STIX_BUNDLE_INVALID'],
    ['an empty input', '', 'STIX_JSON_INVALID'],
    ['corrupt gzip', Buffer.concat([gzipSync(trickyCompact).subarray(0, 40), Buffer.alloc(40, 7)]), 'STIX_GZIP_INVALID'],
    ['truncated gzip', gzipSync(trickyCompact).subarray(0, 60), 'STIX_GZIP_INVALID'],
  ])('rejects %s', async (_title, input, code) => {
    const bytes = typeof input === 'string' ? Buffer.from(input) : input;
    expect(await failure(readAll(Readable.from([bytes])))).toMatchObject({ code, kind: 'input' });
  });

  it('names a file it cannot read', async () => {
    const error = await failure(readAll('/nonexistent/bundle.json'));
    expect(error).toMatchObject({ code: 'STIX_FILE_UNREADABLE', kind: 'input' });
    expect(error.message).toContain('ENOENT');
  });
});

describe('sources', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'opencti-ts-reader-'));
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      // The body goes out in small writes, so the client sees many chunks.
      const body = request.url === '/bundle.json.gz' ? gzipSync(trickyPretty) : trickyPretty;
      for (let from = 0; from < body.length; from += 97) response.write(body.subarray(from, from + 97));
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['a file', () => writeTo('bundle.json', trickyPretty)],
    ['a .gz file', () => writeTo('bundle.json.gz', gzipSync(trickyPretty))],
    ['a gzip file without .gz (magic bytes)', () => writeTo('bundle.data', gzipSync(trickyCompact))],
    ['a Node stream in 3-byte chunks', () => Readable.from(chunksOf(trickyPretty, 3))],
    ['a Node stream of strings', () => Readable.from([trickyCompact.toString('utf8')])],
    ['a gzip Node stream', () => Readable.from(chunksOf(gzipSync(trickyPretty), 5))],
    ['a web ReadableStream', () => Readable.toWeb(Readable.from(chunksOf(trickyCompact, 11))) as ReadableStream<Uint8Array>],
    ['a Uint8Array', () => new Uint8Array(trickyCompact)],
  ])('reads %s', async (_title, source) => {
    expect(await readAll(source())).toEqual({ objects: tricky.objects, bundleId: tricky.id });
  });

  it.each(['/bundle.json', '/bundle.json.gz'])('reads an HTTP body (%s) as it arrives', async (url) => {
    const response = await fetch(`${baseUrl}${url}`);
    expect(await readAll(response.body as ReadableStream<Uint8Array>)).toEqual({ objects: tricky.objects, bundleId: tricky.id });
  });

  it('streams: objects come before the input ends, and stopping early releases the source', async () => {
    let produced = 0;
    let released = false;
    async function* endless() {
      try {
        yield Buffer.from('{"type": "bundle", "objects": [');
        for (;;) {
          produced += 1;
          yield Buffer.from(`${produced > 1 ? ',' : ''}{"type": "note", "id": "note--${produced}", "content": "${'x'.repeat(1000)}"}`);
        }
      } finally {
        released = true;
      }
    }
    const seen: unknown[] = [];
    for await (const object of readStixBundle(Readable.from(endless()))) {
      seen.push((object as { id: string }).id);
      if (seen.length === 1000) break;
    }
    expect(seen.at(-1)).toBe('note--1000');
    expect(released).toBe(true);
  });

  function writeTo(name: string, bytes: Buffer): string {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  }
});

function* chunksOf(bytes: Buffer, size: number) {
  for (let from = 0; from < bytes.length; from += size) yield bytes.subarray(from, from + size);
}

const attackLike = sharedPath('data/bench/attack-like-20k.json.gz');
const icsAttack = sharedPath('data/mitre-attack/stix21/ics-attack/ics-attack-18.1.json');

describe.skipIf(!attackLike.available || !icsAttack.available)('real bundles', () => {
  it.each([
    ['ATT&CK ICS 18.1 (pretty-printed)', icsAttack],
    ['the 20k ATT&CK-like bundle (gzip)', attackLike],
  ])('reads %s exactly as JSON.parse does', async (_title, file) => {
    if (!file.available) return;
    const raw = readFileSync(file.path);
    const whole = JSON.parse((file.path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as { id: string; objects: unknown[] };
    const { objects, bundleId } = await readAll(file.path);
    expect(bundleId).toBe(whole.id);
    expect(objects.length).toBe(whole.objects.length);
    expect(JSON.stringify(objects)).toBe(JSON.stringify(whole.objects));
  });

  it('reads and splits the 20k bundle into the 19,984 bundles pycti produces', async () => {
    if (!attackLike.available) return;
    const result = await splitStixBundle(attackLike.path);
    expect(result.expectations).toBe(19_984);
    expect(new Set(result.incompatible.map((item) => item.type))).toEqual(new Set(['x-mitre-tactic', 'x-mitre-matrix', 'x-mitre-collection']));
    const seqs = result.bundles.map((bundle) => bundle.x_opencti_seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

// The multipart body is the same bytes whether a file is given in memory, as a path on disk or
// as a re-openable stream, and in pycti's part order (sdk-protocol §d.2).
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formParts } from './__fixtures__/server.ts';
import { EXPORT_PUSH_ENTITY } from './documents.ts';
import { buildMultipartRequest, type MultipartBody, prepareMultipartBody, type UploadData } from './multipart.ts';
import { readAll } from './streams.ts';

const BOUNDARY = '0123456789abcdef0123456789abcdef';
const variables = { id: 'report--1', file: null, file_markings: [] };
// Multi-byte UTF-8, CRLFs and a boundary look-alike inside the content.
const content = `"a";"b"\r\n"é ☃ 🧪";"--${BOUNDARY.slice(0, 8)}"\r\n`.repeat(5000);
const bytes = Buffer.from(content, 'utf8');

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sdk-multipart-'));
  file = path.join(dir, 'export.csv');
  await writeFile(file, bytes);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const streamOf = (data: UploadData) =>
  prepareMultipartBody(EXPORT_PUSH_ENTITY.text, variables, { file: { name: 'Export.csv', data, mimeType: 'text/csv' } }, BOUNDARY);
const read = async (body: MultipartBody) => readAll(body.open());

describe('multipart body', () => {
  const inMemory = buildMultipartRequest(EXPORT_PUSH_ENTITY.text, variables, { file: { name: 'Export.csv', data: content, mimeType: 'text/csv' } }, BOUNDARY);

  it('is byte-identical for a string, bytes, a file on disk and a stream source, with an exact Content-Length', async () => {
    const sources: UploadData[] = [
      bytes,
      { path: file },
      // Small uneven chunks cut through multi-byte characters.
      {
        size: bytes.length,
        open: () => Readable.from(Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, i * 1000 + 1000))),
      },
    ];
    for (const data of sources) {
      const body = await streamOf(data);
      const sent = await read(body);
      expect(sent.equals(inMemory.body)).toBe(true);
      expect(body.contentLength).toBe(inMemory.body.length);
      expect(body.contentType).toBe(inMemory.contentType);
    }
  });

  it("keeps pycti's parts: operations (file → null), map, then the file part with its name and type", async () => {
    const body = await streamOf({ path: file });
    const parts = await formParts({ method: 'POST', path: '/graphql', headers: { 'content-type': body.contentType }, body: await read(body) });
    expect(parts.map((part) => part.name)).toEqual(['operations', 'map', '0']);
    expect(JSON.parse(parts[0]?.value ?? '{}')).toEqual({ query: EXPORT_PUSH_ENTITY.text, variables });
    expect(JSON.parse(parts[1]?.value ?? '{}')).toEqual({ 0: ['variables.file'] });
    expect(parts[2]).toMatchObject({ filename: 'Export.csv', type: 'text/csv' });
    expect(parts[2]?.value).toBe(content);
  });

  it('can be opened again after being read (what a retry does), reading the file from the start', async () => {
    let opened = 0;
    const body = await streamOf({
      size: bytes.length,
      open: () => {
        opened += 1;
        return Readable.from([bytes]);
      },
    });
    const first = await read(body);
    const second = await read(body);
    expect(opened).toBe(2);
    expect(second.equals(first)).toBe(true);
    expect(first.equals(inMemory.body)).toBe(true);
  });

  it('fills a file list as variables.<name>.<index>, in memory and on disk alike', async () => {
    const files = (data: UploadData) => ({
      files: [
        { name: 'a.txt', data: 'A' },
        { name: 'b.txt', data },
      ],
    });
    const expected = buildMultipartRequest('mutation M($files: [Upload]) { m(files: $files) }', {}, files('B'), BOUNDARY);
    const small = path.join(dir, 'b.txt');
    await writeFile(small, 'B');
    const body = await prepareMultipartBody('mutation M($files: [Upload]) { m(files: $files) }', {}, files({ path: small }), BOUNDARY);
    expect((await read(body)).equals(expected.body)).toBe(true);
    expect(expected.body.toString()).toContain('{"0":["variables.files.0"],"1":["variables.files.1"]}');
  });
});

describe('multipart body failures', () => {
  it('refuses to build a streamed file in memory', () => {
    expect(() => buildMultipartRequest(EXPORT_PUSH_ENTITY.text, variables, { file: { name: 'x.csv', data: { path: file } } })).toThrow(
      expect.objectContaining({ code: 'UPLOAD_NEEDS_STREAM' }),
    );
  });

  it('names a missing file before any byte is sent', async () => {
    await expect(streamOf({ path: path.join(dir, 'gone.csv') })).rejects.toMatchObject({ code: 'UPLOAD_FILE_UNREADABLE', kind: 'input' });
    await expect(streamOf({ path: dir })).rejects.toMatchObject({ code: 'UPLOAD_FILE_UNREADABLE' });
  });

  it('fails the body when the file changed size after its length was announced', async () => {
    const growing = path.join(dir, 'growing.csv');
    await writeFile(growing, 'abc');
    const body = await streamOf({ path: growing });
    await appendFile(growing, 'def');
    await expect(read(body)).rejects.toMatchObject({ code: 'UPLOAD_FILE_CHANGED', kind: 'input' });
    const short = await streamOf({ size: 10, open: () => Readable.from([Buffer.from('abc')]) });
    await expect(read(short)).rejects.toMatchObject({ code: 'UPLOAD_FILE_CHANGED' });
  });

  it('refuses a stream source without a whole byte size', async () => {
    await expect(streamOf({ size: Number.NaN, open: () => Readable.from([]) })).rejects.toMatchObject({ code: 'UPLOAD_DATA_INVALID' });
  });
});

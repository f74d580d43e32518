// GraphQL multipart request (sdk-protocol §d.2, platform-contract §8.3), built by hand so the
// part order and headers are exactly pycti's: `operations` (file variables set to null),
// `map` ({"0": ["variables.file"]}), then one part per file named "0", "1", …
// A file's data may live on disk or behind a re-openable stream: the body is then streamed
// with an exact Content-Length, and every attempt reads the sources again from the start.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { InputError } from '../errors/index.ts';

/** A file on disk, read while the request is sent (never held in memory); reopened by each attempt. */
export interface UploadPathSource {
  path: string;
}

/** Bytes that can be read again from the start: `open()` is called once per attempt. */
export interface UploadStreamSource {
  /** The exact number of bytes `open()` yields (the request's Content-Length depends on it). */
  size: number;
  open(): Readable | AsyncIterable<Uint8Array>;
}

/** Strings are sent UTF-8 encoded; paths and stream sources are streamed. */
export type UploadData = string | Uint8Array | UploadPathSource | UploadStreamSource;

export interface UploadFile {
  /** File name sent as the part's `filename` (the platform derives the MIME type from its extension). */
  name: string;
  data: UploadData;
  /** Part Content-Type; pycti's default is `text/plain`. */
  mimeType?: string;
}

/** Files by variable name; a list fills a `[Upload]` variable. */
export type UploadFiles = Readonly<Record<string, UploadFile | readonly UploadFile[]>>;

export interface MultipartRequest {
  contentType: string;
  body: Buffer;
}

/** A multipart body that can be sent more than once. */
export interface MultipartBody {
  contentType: string;
  /** Exact length in bytes of what `open()` yields. */
  contentLength: number;
  /** A fresh stream of the whole body; sources are reopened on every call. */
  open(): Readable;
}

type Segment = Buffer | { file: string; source: UploadPathSource | UploadStreamSource };

const isPath = (data: UploadData): data is UploadPathSource => typeof data === 'object' && 'path' in data && typeof data.path === 'string';
const isStream = (data: UploadData): data is UploadStreamSource => typeof data === 'object' && 'open' in data && typeof data.open === 'function';

// WHATWG form-data escaping of quoted header parameters (what browsers and urllib3 2 do).
const quote = (value: string) => value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');

/** The body as a list of in-memory pieces and file sources, in pycti's order. */
function layout(query: string, variables: Readonly<Record<string, unknown>>, files: UploadFiles, boundary: string): Segment[] {
  const operationVariables: Record<string, unknown> = { ...variables };
  const map: Record<string, string[]> = {};
  const parts: Array<{ key: string; file: UploadFile }> = [];
  for (const [name, value] of Object.entries(files)) {
    if (Array.isArray(value)) {
      operationVariables[name] = value.map(() => null);
      value.forEach((file: UploadFile, index: number) => {
        const key = String(parts.length);
        map[key] = [`variables.${name}.${index}`];
        parts.push({ key, file });
      });
    } else {
      operationVariables[name] = null;
      const key = String(parts.length);
      map[key] = [`variables.${name}`];
      parts.push({ key, file: value as UploadFile });
    }
  }
  const segments: Segment[] = [];
  const field = (name: string, text: string) => {
    segments.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${text}\r\n`, 'utf8'));
  };
  field('operations', JSON.stringify({ query, variables: operationVariables }));
  field('map', JSON.stringify(map));
  for (const { key, file } of parts) {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(key)}"; filename="${quote(file.name)}"\r\nContent-Type: ${file.mimeType ?? 'text/plain'}\r\n\r\n`;
    segments.push(Buffer.from(head, 'utf8'));
    const data = file.data;
    if (typeof data === 'string') segments.push(Buffer.from(data, 'utf8'));
    else if (data instanceof Uint8Array) segments.push(Buffer.from(data));
    else if (isPath(data) || isStream(data)) segments.push({ file: file.name, source: data });
    else throw new InputError('UPLOAD_DATA_INVALID', `upload ${file.name}: data must be a string, bytes, { path } or { size, open }`);
    segments.push(Buffer.from('\r\n'));
  }
  segments.push(Buffer.from(`--${boundary}--\r\n`));
  return segments;
}

const newBoundary = () => randomBytes(16).toString('hex');

/** The whole request in memory; for files given as strings or bytes only. */
export function buildMultipartRequest(
  query: string,
  variables: Readonly<Record<string, unknown>>,
  files: UploadFiles,
  boundary: string = newBoundary(),
): MultipartRequest {
  const segments = layout(query, variables, files, boundary);
  const buffers = segments.map((segment) => {
    if (Buffer.isBuffer(segment)) return segment;
    throw new InputError('UPLOAD_NEEDS_STREAM', `upload ${segment.file}: a streamed file cannot be built in memory (use prepareMultipartBody)`);
  });
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(buffers) };
}

/**
 * The same bytes as `buildMultipartRequest`, as a body that streams its file sources: files on
 * disk are stat-ed now for the Content-Length and read only while the request is sent.
 */
export async function prepareMultipartBody(
  query: string,
  variables: Readonly<Record<string, unknown>>,
  files: UploadFiles,
  boundary: string = newBoundary(),
): Promise<MultipartBody> {
  const segments = layout(query, variables, files, boundary);
  const sized: Array<Buffer | { file: string; source: UploadPathSource | UploadStreamSource; size: number }> = [];
  for (const segment of segments) {
    if (Buffer.isBuffer(segment)) {
      sized.push(segment);
      continue;
    }
    const { file, source } = segment;
    if (isPath(source)) {
      const info = await stat(source.path).catch((error: unknown) => {
        throw new InputError('UPLOAD_FILE_UNREADABLE', `upload ${file}: cannot read ${source.path}`, { cause: error, details: { path: source.path } });
      });
      if (!info.isFile()) throw new InputError('UPLOAD_FILE_UNREADABLE', `upload ${file}: ${source.path} is not a file`, { details: { path: source.path } });
      sized.push({ file, source, size: info.size });
    } else {
      if (!Number.isSafeInteger(source.size) || source.size < 0)
        throw new InputError('UPLOAD_DATA_INVALID', `upload ${file}: size must be a whole number of bytes`, { details: { size: source.size } });
      sized.push({ file, source, size: source.size });
    }
  }
  const contentLength = sized.reduce((total, segment) => total + (Buffer.isBuffer(segment) ? segment.length : segment.size), 0);
  async function* body(): AsyncGenerator<Buffer> {
    for (const segment of sized) {
      if (Buffer.isBuffer(segment)) {
        yield segment;
        continue;
      }
      const { file, source, size } = segment;
      let input: Readable | AsyncIterable<Uint8Array>;
      try {
        input = isPath(source) ? createReadStream(source.path) : source.open();
      } catch (error) {
        throw new InputError('UPLOAD_FILE_UNREADABLE', `upload ${file}: cannot open its data`, { cause: error });
      }
      let read = 0;
      try {
        for await (const chunk of input) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          read += bytes.length;
          // More bytes than announced would corrupt the request: stop before sending them.
          if (read > size) break;
          yield bytes;
        }
      } catch (error) {
        throw new InputError('UPLOAD_FILE_UNREADABLE', `upload ${file}: reading its data failed`, {
          cause: error,
          details: isPath(source) ? { path: source.path } : {},
        });
      }
      if (read !== size)
        throw new InputError('UPLOAD_FILE_CHANGED', `upload ${file}: ${size} bytes were announced but ${read > size ? 'more' : read} were read`, {
          details: { expected: size, ...(isPath(source) ? { path: source.path } : {}) },
        });
    }
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    open: () => Readable.from(body(), { objectMode: false }),
  };
}

/** Whether any file of `files` is streamed (on disk or a stream source). */
export function hasStreamedFile(files: UploadFiles): boolean {
  return Object.values(files).some((value) => (Array.isArray(value) ? value : [value as UploadFile]).some((file) => isPath(file.data) || isStream(file.data)));
}

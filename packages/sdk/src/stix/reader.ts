// Streaming STIX bundle reader: yields the objects of a bundle one by one from a file, a
// Node stream or an HTTP body, never holding the whole text nor parsing it as a whole.
//
// How: a byte-level scanner walks the root object, finds its top-level `"objects"` array
// and the byte boundaries of each element (tracking strings, escapes and nesting only),
// then hands the bytes to `JSON.parse`, which also validates them: the elements that lie
// wholly inside one chunk go in one call per ~64 KiB (`[e1,e2,…]`), an element spanning
// chunks goes alone once complete. Structural bytes are ASCII, so scanning bytes is safe
// for UTF-8 and a multi-byte character cut by a chunk boundary is decoded only whole.
// gzip input (magic bytes, or a `.gz` path) is decompressed on the fly. Memory: the
// current chunk, the pieces of one unfinished element, and the objects already yielded.
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { Readable, type TransformOptions } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { BugError, InputError, isOpenCtiTsError } from '../errors/index.ts';
import { type SplitOptions, type SplitResult, splitObjectsAsync } from './splitter.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const isWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

// Where the scanner is in the root object. A "value" is captured whole, then parsed.
const BEFORE_ROOT = 0;
const ROOT_KEY_OR_END = 1; // after `{`
const ROOT_KEY = 2; // after `,`
const ROOT_COLON = 3;
const ROOT_VALUE = 4;
const ROOT_COMMA_OR_END = 5;
const ELEMENT_OR_END = 6; // after `[`
const ELEMENT = 7; // after `,` in the objects array
const ELEMENT_COMMA_OR_END = 8;
const AFTER_ROOT = 9;
type ScanState = number;

// What the value being captured is.
const CAPTURE_KEY = 1;
const CAPTURE_ROOT_VALUE = 2;
const CAPTURE_ELEMENT = 3;

function malformed(offset: number, message: string, cause?: unknown): InputError {
  return new InputError('STIX_JSON_INVALID', `Malformed STIX bundle JSON at byte offset ${offset}: ${message}`, {
    details: { offset },
    ...(cause === undefined ? {} : { cause }),
  });
}

const describeByte = (byte: number): string =>
  byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * The UTF-16 index of the first error in `text`, which `JSON.parse` has rejected. Run only
 * on that failure path: V8's messages do not always carry a position.
 */
function jsonErrorIndex(text: string): number {
  const n = text.length;
  const open: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i += 1;
  };
  /** Scans a string starting at its quote; false when it is malformed (i at the fault). */
  const string = (): boolean => {
    i += 1;
    while (i < n) {
      const char = text[i]!;
      if (char === '"') {
        i += 1;
        return true;
      }
      if (char < ' ') return false;
      if (char === '\\') {
        i += 1;
        if (text[i] === 'u') {
          HEX4.lastIndex = i + 1;
          if (!HEX4.test(text)) return false;
          i += 5;
          continue;
        }
        if (!ESCAPES.has(text[i] ?? '')) return false;
      }
      i += 1;
    }
    return false;
  };
  /** Scans `"name" :` in an object; false on a fault. */
  const key = (): boolean => {
    skipSpace();
    if (text[i] !== '"' || !string()) return false;
    skipSpace();
    if (text[i] !== ':') return false;
    i += 1;
    return true;
  };
  // Iterative (an explicit stack of open containers): deep nesting cannot overflow.
  let needValue = true;
  for (;;) {
    skipSpace();
    const char = text[i];
    if (needValue) {
      if (char === '{' || char === '[') {
        open.push(char);
        i += 1;
        skipSpace();
        if (text[i] === (char === '{' ? '}' : ']')) {
          open.pop();
          i += 1;
          needValue = false;
        } else if (char === '{' && !key()) return i;
        continue;
      }
      if (char === '"') {
        if (!string()) return i;
      } else if (char === 't' || char === 'f' || char === 'n') {
        const literal = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
        if (!text.startsWith(literal, i)) return i;
        i += literal.length;
      } else {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return i;
        i = NUMBER.lastIndex;
      }
      needValue = false;
      continue;
    }
    const container = open.at(-1);
    if (container === undefined) return i; // content after the value (or the end, if valid)
    if (char === ',') {
      i += 1;
      if (container === '{' && !key()) return i;
      needValue = true;
    } else if (char === (container === '{' ? '}' : ']')) {
      open.pop();
      i += 1;
    } else return i;
  }
}

/** V8's message without the copy of the input it sometimes quotes. */
const parseErrorMessage = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');

/** Complete objects found in one chunk are parsed together, in slices of about this size. */
const BATCH_BYTES = 64 * 1024;

/**
 * The push-driven core of the reader: feed it bytes, get back the bundle's objects as soon
 * as each is complete. Pure (no I/O), so chunk boundaries can be tested anywhere.
 */
export class StixBundleScanner {
  private state: ScanState = BEFORE_ROOT;
  /** Bytes consumed before the current chunk: turns positions into stream offsets. */
  private base = 0;
  private key: string | null = null;
  private seenObjects = false;
  private elementCount = 0;
  private rootId: string | undefined;
  private rootType: unknown;

  // The value being captured: what it is, where it began, its pieces from earlier chunks,
  // its open brackets (innermost last, so a mismatch fails at once) and string state.
  private capture = 0;
  private captureStart = 0;
  private captureOffset = 0;
  private pieces: Buffer[] = [];
  private brackets: number[] = [];
  private inString = false;
  private escaped = false;
  private scalar = false;

  // Objects that lie wholly inside the current chunk, not parsed yet: one `JSON.parse`
  // per batch instead of one per object (only commas and spaces lie between them).
  private batch: number[] = [];

  /** The bundle's `id`, once read (it may come after the objects). */
  get bundleId(): string | undefined {
    return this.rootId;
  }

  /** The bundle's `type`, once read. */
  get bundleType(): unknown {
    return this.rootType;
  }

  /** How many objects have been returned so far. */
  get objectCount(): number {
    return this.elementCount;
  }

  /** Scans `chunk`; returns the objects completed in it, in order. */
  write(chunk: Uint8Array): Record<string, unknown>[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Record<string, unknown>[] = [];
    const n = buf.length;
    let i = 0;
    for (;;) {
      if (this.capture !== 0) {
        // A value may open on the chunk's last byte: its piece must still be kept.
        const end = i < n ? this.scanValue(buf, i) : -1;
        if (end === -1) {
          this.pieces.push(buf.subarray(this.captureStart, n));
          this.captureStart = 0;
          break;
        }
        this.finishCapture(buf, end, out);
        i = end;
        continue;
      }
      if (i >= n) break;
      const byte = buf[i]!;
      if (isWhitespace(byte) || (this.state === BEFORE_ROOT && this.base + i < 3 && byte === UTF8_BOM[this.base + i])) {
        i += 1;
        continue;
      }
      this.step(byte, i);
      i += 1;
      // A value starts here: `step` opened a capture whose first byte is `i - 1`.
      if (this.capture !== 0) {
        this.captureStart = i - 1;
        i = this.startValue(buf, i - 1);
      }
    }
    this.flush(buf, out);
    this.base += n;
    return out;
  }

  /** Declares the input complete; throws when the bundle is truncated or has no objects. */
  end(): void {
    if (this.state !== AFTER_ROOT || this.capture !== 0) {
      throw malformed(this.base, this.state === BEFORE_ROOT ? 'the input is empty' : 'unexpected end of input (truncated bundle)');
    }
    if (!this.seenObjects) throw new InputError('STIX_BUNDLE_INVALID', 'File data is not a valid bundle: it has no "objects" array');
  }

  /** One structural byte outside any captured value. */
  private step(byte: number, i: number): void {
    const offset = this.base + i;
    switch (this.state) {
      case BEFORE_ROOT:
        if (byte !== OPEN_BRACE)
          throw new InputError(
            'STIX_BUNDLE_INVALID',
            `File data is not a valid bundle: expected a JSON object at byte offset ${offset}, found ${describeByte(byte)}`,
            {
              details: { offset },
            },
          );
        this.state = ROOT_KEY_OR_END;
        return;
      case ROOT_KEY_OR_END:
      case ROOT_KEY:
        if (byte === CLOSE_BRACE && this.state === ROOT_KEY_OR_END) {
          this.state = AFTER_ROOT;
          return;
        }
        if (byte !== QUOTE) throw malformed(offset, `expected a property name, found ${describeByte(byte)}`);
        this.openCapture(CAPTURE_KEY, offset);
        return;
      case ROOT_COLON:
        if (byte !== COLON) throw malformed(offset, `expected ":", found ${describeByte(byte)}`);
        this.state = ROOT_VALUE;
        return;
      case ROOT_VALUE:
        if (this.key === 'objects') {
          if (this.seenObjects)
            throw new InputError('STIX_BUNDLE_INVALID', `the bundle has a second "objects" array at byte offset ${offset}`, { details: { offset } });
          if (byte !== OPEN_BRACKET)
            throw new InputError('STIX_BUNDLE_INVALID', `File data is not a valid bundle: "objects" is not an array (byte offset ${offset})`, {
              details: { offset },
            });
          this.seenObjects = true;
          this.state = ELEMENT_OR_END;
          return;
        }
        this.openCapture(CAPTURE_ROOT_VALUE, offset);
        return;
      case ROOT_COMMA_OR_END:
        if (byte === COMMA) this.state = ROOT_KEY;
        else if (byte === CLOSE_BRACE) this.state = AFTER_ROOT;
        else throw malformed(offset, `expected "," or "}", found ${describeByte(byte)}`);
        return;
      case ELEMENT_OR_END:
      case ELEMENT:
        if (byte === CLOSE_BRACKET && this.state === ELEMENT_OR_END) {
          this.state = ROOT_COMMA_OR_END;
          return;
        }
        if (byte !== OPEN_BRACE)
          throw new InputError('STIX_OBJECT_INVALID', `objects[${this.elementCount + this.batch.length / 2}] is not a JSON object (byte offset ${offset})`, {
            details: { offset, position: this.elementCount + this.batch.length / 2 },
          });
        this.openCapture(CAPTURE_ELEMENT, offset);
        return;
      case ELEMENT_COMMA_OR_END:
        if (byte === COMMA) this.state = ELEMENT;
        else if (byte === CLOSE_BRACKET) this.state = ROOT_COMMA_OR_END;
        else throw malformed(offset, `expected "," or "]" in "objects", found ${describeByte(byte)}`);
        return;
      default:
        throw malformed(offset, `unexpected ${describeByte(byte)} after the end of the bundle`);
    }
  }

  private openCapture(kind: number, offset: number): void {
    this.capture = kind;
    this.captureOffset = offset;
    this.pieces = [];
    this.brackets = [];
    this.inString = false;
    this.escaped = false;
    this.scalar = false;
  }

  /** Sets up the capture from its first byte at `i`; returns where scanning continues. */
  private startValue(buf: Buffer, i: number): number {
    const byte = buf[i]!;
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.brackets.push(byte);
    else {
      this.scalar = true;
      return i; // a number or literal: the scan below finds its end
    }
    return i + 1;
  }

  /** Scans the captured value from `i`; returns the index just past its end, or -1. */
  private scanValue(buf: Buffer, start: number): number {
    const n = buf.length;
    let i = start;
    if (this.scalar) {
      while (i < n) {
        const byte = buf[i]!;
        if (isWhitespace(byte) || byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET) return i;
        i += 1;
      }
      return -1;
    }
    const brackets = this.brackets;
    let inString = this.inString;
    if (this.escaped) {
      // The previous chunk ended on a backslash inside a string: skip the escaped byte.
      this.escaped = false;
      i += 1;
    }
    while (i < n) {
      if (inString) {
        // Most of a STIX document is string content: a tight loop to its next quote or escape.
        let byte = buf[i]!;
        while (byte !== QUOTE && byte !== BACKSLASH && ++i < n) byte = buf[i]!;
        if (i >= n) break;
        if (byte === BACKSLASH) {
          i += 2;
          if (i > n) {
            this.escaped = true;
            break;
          }
          continue;
        }
        i += 1;
        inString = false;
        if (brackets.length === 0) {
          this.inString = false;
          return i; // a string value (or key) ends here
        }
        continue;
      }
      const byte = buf[i]!;
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) brackets.push(byte);
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        const open = brackets.pop();
        if ((open === OPEN_BRACE) !== (byte === CLOSE_BRACE)) throw malformed(this.base + i, `unexpected ${describeByte(byte)}`);
        if (brackets.length === 0) {
          this.inString = false;
          return i + 1;
        }
      }
      i += 1;
    }
    this.inString = inString;
    return -1;
  }

  /** The captured value ends before `end`: parse it (or batch it) and move the state on. */
  private finishCapture(buf: Buffer, end: number, out: Record<string, unknown>[]): void {
    const kind = this.capture;
    this.capture = 0;
    if (kind === CAPTURE_ELEMENT) {
      this.state = ELEMENT_COMMA_OR_END;
      if (this.pieces.length === 0) {
        // Wholly inside this chunk: batch it.
        const batch = this.batch;
        batch.push(this.captureStart, end);
        if (end - batch[0]! >= BATCH_BYTES) this.flush(buf, out);
        return;
      }
    }
    let bytes: Buffer;
    if (this.pieces.length === 0) bytes = buf.subarray(this.captureStart, end);
    else {
      this.pieces.push(buf.subarray(0, end));
      bytes = Buffer.concat(this.pieces);
      this.pieces = [];
    }
    const value = parseAt(bytes, this.captureOffset);
    if (kind === CAPTURE_KEY) {
      this.key = value as string;
      this.state = ROOT_COLON;
    } else if (kind === CAPTURE_ROOT_VALUE) {
      if (this.key === 'id' && typeof value === 'string') this.rootId = value;
      if (this.key === 'type') this.rootType = value;
      this.state = ROOT_COMMA_OR_END;
    } else {
      out.push(value as Record<string, unknown>);
      this.elementCount += 1;
    }
  }

  /** Parses the batched objects of `buf` at once (one by one to locate an error). */
  private flush(buf: Buffer, out: Record<string, unknown>[]): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    if (isAscii(buf.subarray(batch[0]!, batch[batch.length - 1]!))) this.parseBatch(buf, batch, 0, batch.length, out);
    else {
      // One non-ASCII byte makes the decoded text two-byte, which V8 parses far slower: the
      // ASCII runs go in batches, each non-ASCII object alone.
      let run = 0;
      for (let index = 0; index < batch.length; index += 2) {
        const start = batch[index]!;
        const end = batch[index + 1]!;
        if (isAscii(buf.subarray(start, end))) continue;
        if (run < index) this.parseBatch(buf, batch, run, index, out);
        out.push(parseAt(buf.subarray(start, end), this.base + start) as Record<string, unknown>);
        run = index + 2;
      }
      if (run < batch.length) this.parseBatch(buf, batch, run, batch.length, out);
    }
    this.elementCount += batch.length / 2;
    this.batch = [];
  }

  /** Parses the batched objects `batch[from..to)` (boundary pairs) in one `JSON.parse`. */
  private parseBatch(buf: Buffer, batch: number[], from: number, to: number, out: Record<string, unknown>[]): void {
    let parsed: Record<string, unknown>[];
    try {
      parsed = JSON.parse(`[${buf.toString('utf8', batch[from]!, batch[to - 1]!)}]`) as Record<string, unknown>[];
    } catch (error) {
      for (let index = from; index < to; index += 2) parseAt(buf.subarray(batch[index]!, batch[index + 1]!), this.base + batch[index]!);
      throw new BugError('STIX_SCANNER_BATCH', 'a batch of objects failed to parse although each object parses', { cause: error });
    }
    for (const object of parsed) out.push(object);
  }
}

/** Parses one JSON value from its bytes; a failure names its byte offset in the stream. */
function parseAt(bytes: Buffer, offset: number): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const index = jsonErrorIndex(text);
    throw malformed(offset + Buffer.byteLength(text.slice(0, index), 'utf8'), parseErrorMessage(error), error);
  }
}

/** Where a bundle can come from. A string is a file path. */
export type BundleSource = string | Uint8Array | NodeJS.ReadableStream | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

export interface ReadBundleOptions {
  /** Decompress gzip: 'auto' (default) looks at the magic bytes and, for a path, a `.gz` suffix. */
  gzip?: boolean | 'auto';
  /** Read size for files and gunzip output (default 64 KiB). */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 64 * 1024;
const GUNZIP_AHEAD = 1024 * 1024;

const isWebStream = (source: unknown): source is ReadableStream<Uint8Array> =>
  typeof source === 'object' && source !== null && typeof (source as ReadableStream).getReader === 'function';

async function* bytesOf(source: BundleSource, chunkSize: number): AsyncGenerator<Buffer> {
  if (source instanceof Uint8Array) {
    yield Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return;
  }
  let iterable: AsyncIterable<unknown>;
  if (typeof source === 'string') iterable = createReadStream(source, { highWaterMark: chunkSize });
  else if (isWebStream(source)) iterable = source as unknown as AsyncIterable<Uint8Array>;
  else iterable = source as AsyncIterable<unknown>;
  try {
    for await (const chunk of iterable) {
      if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
      else if (chunk instanceof Uint8Array) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      else throw new BugError('STIX_READER_SOURCE', `a bundle stream must yield bytes or strings, not ${typeof chunk}`);
    }
  } catch (error) {
    if (typeof source === 'string' && !isOpenCtiTsError(error))
      throw new InputError('STIX_FILE_UNREADABLE', `cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
        details: { path: source },
      });
    throw error;
  }
}

const isGzipMagic = (chunk: Buffer): boolean => chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;

/** The source's bytes, gunzipped when they are gzip. */
async function* decodedBytesOf(source: BundleSource, options: ReadBundleOptions): AsyncGenerator<Buffer> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const raw = bytesOf(source, chunkSize);
  let first = await raw.next();
  while (!first.done && first.value.length === 0) first = await raw.next();
  if (first.done) return;
  const mode = options.gzip ?? 'auto';
  const gzip = mode === true || (mode === 'auto' && (isGzipMagic(first.value) || (typeof source === 'string' && source.endsWith('.gz'))));
  if (!gzip) {
    yield first.value;
    yield* raw;
    return;
  }
  const head = first.value;
  async function* compressed() {
    yield head;
    yield* raw;
  }
  // Let zlib (on the thread pool) inflate ahead while this thread parses. zlib streams
  // take Transform options, which @types/node's ZlibOptions does not list.
  const gunzipOptions: ZlibOptions & TransformOptions = { chunkSize, readableHighWaterMark: GUNZIP_AHEAD };
  const gunzip = createGunzip(gunzipOptions);
  const done = pipeline(Readable.from(compressed(), { objectMode: false }), gunzip);
  // Errors surface through the iteration below; this only avoids an unhandled rejection.
  done.catch(() => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_'))
      throw new InputError('STIX_GZIP_INVALID', `the gzip data is corrupt or truncated (${(error as Error).message})`, { cause: error });
    throw error;
  } finally {
    gunzip.destroy();
  }
}

/**
 * A bundle being read: iterate it (once) for its objects; `bundleId` is known once the
 * bundle's `id` has been read, at the latest when the iteration has finished.
 */
export class StixBundleReader implements AsyncIterable<Record<string, unknown>> {
  private readonly scanner = new StixBundleScanner();
  private readonly source: BundleSource;
  private readonly options: ReadBundleOptions;
  private started = false;

  constructor(source: BundleSource, options: ReadBundleOptions = {}) {
    this.source = source;
    this.options = options;
  }

  get bundleId(): string | undefined {
    return this.scanner.bundleId;
  }

  get objectCount(): number {
    return this.scanner.objectCount;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Record<string, unknown>> {
    if (this.started) throw new BugError('STIX_READER_CONSUMED', 'this bundle reader has already been iterated');
    this.started = true;
    for await (const chunk of decodedBytesOf(this.source, this.options)) {
      yield* this.scanner.write(chunk);
    }
    this.scanner.end();
  }
}

/** Opens a STIX bundle for streaming: `for await (const object of readStixBundle(path))`. */
export function readStixBundle(source: BundleSource, options: ReadBundleOptions = {}): StixBundleReader {
  return new StixBundleReader(source, options);
}

/** Reads and splits a bundle in one go (the input bundle's id goes into every output bundle). */
export async function splitStixBundle(source: BundleSource, options: SplitOptions & ReadBundleOptions = {}): Promise<SplitResult> {
  const reader = readStixBundle(source, options);
  return splitObjectsAsync(reader, { ...options, bundleId: options.bundleId ?? (() => reader.bundleId) });
}

// Byte caps and idle timeouts for streamed bodies, shared by file downloads and the
// connectors' HTTP helper.
import { pipeline, type Readable, Transform } from 'node:stream';
import { InputError, type OpenCtiTsError } from '../errors/index.ts';

export interface CapOptions {
  /** Error once more than this many bytes went through. */
  maxBytes?: number;
  /** Error when no data arrives for this long. */
  idleTimeoutMs?: number;
  tooLarge: () => OpenCtiTsError;
  idle: () => OpenCtiTsError;
}

/** `source` through a byte counter and an idle timer; destroying the result destroys the source. */
export function capStream(source: Readable, options: CapOptions): Readable {
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (options.maxBytes !== undefined && seen > options.maxBytes) {
        callback(options.tooLarge());
        return;
      }
      arm();
      callback(null, chunk);
    },
    flush(callback) {
      if (timer) clearTimeout(timer);
      callback();
    },
    destroy(error, callback) {
      if (timer) clearTimeout(timer);
      callback(error);
    },
  });
  const arm = () => {
    if (options.idleTimeoutMs === undefined) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => limiter.destroy(options.idle()), options.idleTimeoutMs);
    timer.unref();
  };
  arm();
  pipeline(source, limiter, () => {
    // Errors surface on `limiter`; the callback only keeps pipeline from throwing.
  });
  return limiter;
}

/** Reads a whole stream into memory, failing with FILE_TOO_LARGE past `maxBytes`. */
export async function readAll(stream: Readable, maxBytes?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (maxBytes !== undefined && total > maxBytes) {
      stream.destroy();
      throw tooLargeError(maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function tooLargeError(maxBytes: number, what = 'body'): InputError {
  return new InputError('FILE_TOO_LARGE', `${what} exceeds the size limit of ${maxBytes} bytes`, { details: { maxBytes } });
}

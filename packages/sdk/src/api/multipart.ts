// GraphQL multipart request (sdk-protocol §d.2, platform-contract §8.3), built by hand so the
// part order and headers are exactly pycti's: `operations` (file variables set to null),
// `map` ({"0": ["variables.file"]}), then one part per file named "0", "1", …
import { randomBytes } from 'node:crypto';

export interface UploadFile {
  /** File name sent as the part's `filename` (the platform derives the MIME type from its extension). */
  name: string;
  /** Strings are sent UTF-8 encoded. */
  data: string | Uint8Array;
  /** Part Content-Type; pycti's default is `text/plain`. */
  mimeType?: string;
}

/** Files by variable name; a list fills a `[Upload]` variable. */
export type UploadFiles = Readonly<Record<string, UploadFile | readonly UploadFile[]>>;

export interface MultipartRequest {
  contentType: string;
  body: Buffer;
}

// WHATWG form-data escaping of quoted header parameters (what browsers and urllib3 2 do).
const quote = (value: string) => value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');

export function buildMultipartRequest(
  query: string,
  variables: Readonly<Record<string, unknown>>,
  files: UploadFiles,
  boundary: string = randomBytes(16).toString('hex'),
): MultipartRequest {
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
  const chunks: Buffer[] = [];
  const field = (name: string, text: string) => {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${text}\r\n`, 'utf8'));
  };
  field('operations', JSON.stringify({ query, variables: operationVariables }));
  field('map', JSON.stringify(map));
  for (const { key, file } of parts) {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(key)}"; filename="${quote(file.name)}"\r\nContent-Type: ${file.mimeType ?? 'text/plain'}\r\n\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : Buffer.from(file.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

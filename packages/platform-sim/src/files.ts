// S3 as a map keyed by file id, with the upload semantics of platform-contract §8.1:
// key = `<folder>/<lower-cased name>`, MIME type derived from the key's extension (the
// part's Content-Type is ignored), re-upload of an older version is a no-op.
import { nowIso } from './model.ts';
import { type Page, paginate } from './store.ts';

export interface FileMeta {
  mimetype: string;
  version: string;
  encoding: string;
  filename: string;
  creator_id: string | null;
  entity_id: string | null;
  file_markings: string[];
  list_filters: string | null;
  labels: string[] | null;
  messages: unknown[];
  errors: unknown[];
}

export interface StoredFile {
  id: string;
  name: string;
  size: number;
  lastModified: string;
  data: Buffer;
  metaData: FileMeta;
}

const MIME: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv',
  txt: 'text/plain',
  pdf: 'application/pdf',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  md: 'text/markdown',
  yar: 'text/yara+plain',
  yara: 'text/yara+plain',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  js: 'application/javascript',
  ioc: 'application/octet-stream',
  stix: 'application/octet-stream',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The platform's MIME lookup on a storage key. */
export function mimeTypeOf(key: string): string {
  if (key.endsWith('pdf_report')) return 'application/pdf';
  const dot = key.lastIndexOf('.');
  const extension = dot >= 0 ? key.slice(dot + 1).toLowerCase() : '';
  return MIME[extension] ?? 'application/octet-stream';
}

/** The standard extension of a MIME type, as the export file name uses it. */
export function extensionOf(mime: string): string {
  if (mime === 'application/json' || mime.includes('stix') || mime.includes('navigator')) return 'json';
  const found = Object.entries(MIME).find(([, type]) => type === mime);
  return found ? found[0] : 'unknown';
}

export interface UploadInput {
  folder: string;
  filename: string;
  data: Buffer;
  creatorId: string | null;
  entityId?: string | null;
  fileMarkings?: string[] | null;
  listFilters?: string | null;
  labels?: string[] | null;
  version?: string | null;
}

export class FileStore {
  readonly #files = new Map<string, StoredFile>();

  upload(input: UploadInput): { file: StoredFile; isNew: boolean } {
    const truncated = truncateName(input.filename);
    const id = `${input.folder}/${truncated.toLowerCase()}`;
    const version = input.version ?? nowIso();
    const existing = this.#files.get(id);
    if (existing && existing.metaData.version >= version) return { file: existing, isNew: false };
    const file: StoredFile = {
      id,
      name: truncated,
      size: input.data.length,
      lastModified: nowIso(),
      data: input.data,
      metaData: {
        mimetype: mimeTypeOf(id),
        version,
        encoding: '7bit',
        filename: encodeURIComponent(truncated),
        creator_id: input.creatorId,
        entity_id: input.entityId ?? null,
        file_markings: input.fileMarkings ?? [],
        list_filters: input.listFilters ?? null,
        labels: input.labels ?? null,
        messages: [],
        errors: [],
      },
    };
    this.#files.set(id, file);
    return { file, isNew: true };
  }

  get(id: string): StoredFile | undefined {
    return this.#files.get(id);
  }

  /** Files directly under `folder` (the platform lists one level; `import/global` etc.). */
  list(folder: string, options: { first?: number | null; after?: string | null; search?: string | null } = {}): Page<StoredFile> {
    const prefix = `${folder}/`;
    let items = [...this.#files.values()].filter((file) => file.id.startsWith(prefix) && !file.id.slice(prefix.length).includes('/'));
    if (options.search) items = items.filter((file) => file.name.toLowerCase().includes(String(options.search).toLowerCase()));
    items.sort((a, b) => b.lastModified.localeCompare(a.lastModified));
    return paginate(items, options.first, options.after);
  }
}

function truncateName(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return name.slice(0, 200);
  return `${name.slice(0, dot).slice(0, 200)}${name.slice(dot).slice(0, 10)}`;
}

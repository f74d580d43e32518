// The STIX file import connector (connectors.md §4): each job streams the uploaded file from
// the platform, keeps the valid objects (STIX 2.0 upgraded), adds the context container when
// the file was imported on one, and sends the bundle: to a workbench or a draft when
// validation applies, else split to the worker queue. Problems end the work in error with
// the object ids, after the valid objects were sent (all of the file is refused in strict mode).
import { type ApiClient, STIX_CONTENT } from '@opencti-ts/sdk/api';
import { InputError, isOpenCtiTsError, TransientError } from '@opencti-ts/sdk/errors';
import { defineConnector, type ImportFileContext } from '@opencti-ts/sdk/runtime';
import { importFileStixConfig } from './config.ts';
import { planImport, type StixObject, summariseProblems } from './convert/bundle.ts';
import { type FileContent, readFileContent } from './read.ts';

/** MIME types of STIX 1.x XML: no TypeScript stix2-elevator exists (Choice, see the README). */
const XML_MIME_TYPES = new Set(['text/xml', 'application/xml']);

export const importFileStixConnector = defineConnector({
  kind: 'INTERNAL_IMPORT_FILE',
  config: importFileStixConfig,
  async handle(event, ctx) {
    const { logger } = ctx;
    const settings = ctx.config.import_file_stix;
    const mime = event.fileMime?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (XML_MIME_TYPES.has(mime))
      throw new InputError('STIX1_NOT_SUPPORTED', `STIX 1.x (XML) is not supported: ${event.fileId} is ${mime}; convert it to STIX 2.1 JSON first`);
    const content = await downloadAndRead(ctx, event.fileId, settings);
    logger.info('File read', { file_id: event.fileId, objects: content.read, kept: content.objects.length, upgraded: content.upgraded });
    const entity = event.entityId ? await readEntity(ctx.api, event.entityId) : null;
    if (event.entityId && !entity) logger.warn('The context entity could not be read; its object_refs are left unchanged', { entity_id: event.entityId });
    const plan = planImport(content, { bundleId: content.bundleId, entity, strict: settings.strict });
    const sent = await ctx.send(plan.bundle, {
      fileName: event.fileId,
      entityId: event.entityId,
      fileMarkings: event.fileMarkings,
      bypassValidation: event.bypassValidation,
    });
    const message =
      sent.validation === 'workbench'
        ? 'Generated bundle sent for validation'
        : sent.validation === 'draft'
          ? `${sent.bundles} generated bundle(s) for worker import into draft ${sent.draftId ?? ''}`.trimEnd()
          : `${sent.bundles} generated bundle(s) for worker import`;
    if (plan.problems.length > 0) {
      // The valid part is on its way; the work still ends in error so the problems are seen.
      throw new InputError('STIX_FILE_PARTIAL', `${message}; ${summariseProblems(plan.problems)}`, { details: { problems: plan.problems.length } });
    }
    return message;
  },
});

/** Tries of the download: a platform silent for IMPORT_FILE_STIX_DOWNLOAD_TIMEOUT_S twice has failed it. */
const DOWNLOAD_ATTEMPTS = 2;

/**
 * Streams the file from the platform into the reader, with a retry budget of its own: the SDK
 * default (5 tries) would keep a job on a silent platform for five timeouts (25 min at the
 * default 300 s). Stalls and oversize files become work errors that name the file and the
 * setting to change.
 */
async function downloadAndRead(
  ctx: Pick<ImportFileContext<unknown>, 'readFile'>,
  fileId: string,
  settings: { max_file_size_mb: number; download_timeout_s: number },
): Promise<FileContent> {
  const maxBytes = settings.max_file_size_mb * 1_000_000;
  try {
    const stream = await ctx.readFile({ maxBytes, timeoutMs: settings.download_timeout_s * 1000, maxAttempts: DOWNLOAD_ATTEMPTS });
    // gzip off: the size cap applies to what is parsed, and the official connector reads text only.
    return await readFileContent(stream, { gzip: false });
  } catch (error) {
    if (!isOpenCtiTsError(error)) throw error;
    if (error.code === 'TIMEOUT')
      throw new TransientError(
        'FILE_DOWNLOAD_STALLED',
        `Download of ${fileId} stalled: the platform sent nothing for ${settings.download_timeout_s} s (IMPORT_FILE_STIX_DOWNLOAD_TIMEOUT_S)`,
        { cause: error, details: { fileId } },
      );
    if (error.code === 'FILE_TOO_LARGE')
      throw new InputError(
        'FILE_TOO_LARGE',
        `${fileId} is larger than ${settings.max_file_size_mb} MB (IMPORT_FILE_STIX_MAX_FILE_SIZE_MB, ${maxBytes} bytes): not imported`,
        { cause: error, details: { fileId, maxBytes } },
      );
    throw error;
  }
}

/** The entity's STIX as the platform exports it, or null when it cannot be read. */
async function readEntity(api: ApiClient, id: string): Promise<StixObject | null> {
  const result = await api.query(STIX_CONTENT, { id });
  if (!result.stix) return null;
  const parsed = JSON.parse(result.stix) as unknown;
  return typeof parsed === 'object' && parsed !== null && typeof (parsed as StixObject).type === 'string' ? (parsed as StixObject) : null;
}

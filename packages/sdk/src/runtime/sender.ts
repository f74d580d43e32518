// Sending a bundle (sdk-protocol §c.1–c.3), in pycti's order: organisation sharing,
// validation (workbench upload or draft), directory output, split, expectations, then
// publishing on a confirm channel. A send resolves only when the broker holds every split
// bundle, so the caller may ack its job or close its work afterwards.
import { randomUUID } from 'node:crypto';
import { type ApiClient, DRAFT_WORKSPACE_ADD, STIX_BUNDLE_PUSH, UPLOAD_PENDING } from '../api/index.ts';
import { InputError, TransientError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { type BundlePublisher, encodeBundleMessage } from '../mq/index.ts';
import { OPENCTI_SDO_EXTENSION } from '../stix/ids.ts';
import { type SplitBundle, serializeSplitBundle, splitObjects } from '../stix/splitter.ts';
import { type DirectoryBundleContext, writeDirectoryBundle } from './directory.ts';
import type { StixObject } from './messages.ts';
import type { ConnectorMetrics } from './metrics.ts';
import type { PlatformSession } from './platform.ts';

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
  [key: string]: unknown;
}

/** What a connector may send: a bundle, or the objects of one. */
export type BundleInput = StixBundle | readonly StixObject[];

export interface SendOptions {
  /** Default: the current job's or run's work. */
  workId?: string | null;
  /** STIX types the worker may import from these bundles; [] (default) means all. */
  entitiesTypes?: readonly string[];
  /** The legacy "update existing data" flag carried in each message. */
  update?: boolean;
  /** pycti's cleanup_inconsistent_bundle: drop refs to objects absent from the bundle. */
  cleanup?: boolean;
  eventVersion?: string | number;
  /** Validation mode: the name of the pending file (default `<work id>.json`). */
  fileName?: string;
  entityId?: string | null;
  fileMarkings?: readonly string[];
  bypassValidation?: boolean;
}

/** The job being handled, when there is one (internal connectors). */
export interface SendJobContext {
  applicantId: string | null;
  draftId: string | null;
  validationMode: 'workbench' | 'draft';
  forceValidation: boolean;
  /** Sharing organisations read from the enriched entity, re-applied to everything sent. */
  grantedRefs: readonly string[];
  /** Set for a playbook step: the bundle is answered to the playbook instead of queued (§c.1 step 2). */
  toPlaybook?: ((bundle: StixBundle) => Promise<void>) | null;
}

export interface SendResult {
  /** Bundles published (the expectations added to the work). */
  bundles: number;
  /** Objects the splitter dropped (unsupported types, relationships missing an end). */
  dropped: number;
  /** Set when the bundle went to validation instead of the queue. */
  validation?: 'workbench' | 'draft';
  draftId?: string;
}

export interface SenderSettings {
  connectorId: string;
  connectorUserId: string | null;
  pushExchange: string;
  pushRouting: string;
  sendToQueue: boolean;
  queueProtocol: 'amqp' | 'api';
  validateBeforeImport: boolean;
  directory: { path: string; retentionDays: number; context: DirectoryBundleContext } | null;
}

export interface SenderDeps {
  settings: SenderSettings;
  platform: PlatformSession;
  api: ApiClient;
  publisher: () => BundlePublisher;
  metrics: ConnectorMetrics;
  logger: Logger;
  /** A listened job's stop signal: once aborted, nothing more is put on the work or the queue. */
  signal?: AbortSignal;
}

/** Encoded messages are published in slices so a huge split never sits in memory twice. */
const PUBLISH_SLICE = 2000;

export async function sendBundle(input: BundleInput, options: SendOptions, job: SendJobContext | null, deps: SenderDeps): Promise<SendResult> {
  const { settings, logger } = deps;
  const bundle = toBundle(input);
  if (job && job.grantedRefs.length > 0) shareWithOrganisations(bundle.objects, job.grantedRefs);
  if (job?.toPlaybook) {
    await job.toPlaybook(bundle);
    logger.info('Bundle sent back to the playbook', { objects: bundle.objects.length });
    return { bundles: 1, dropped: 0 };
  }
  const workId = options.workId ?? null;
  let draftId = job?.draftId ?? null;

  const fileName = options.fileName ?? (workId ? `${workId}.json` : undefined);
  const validate = (settings.validateBeforeImport || job?.forceValidation === true) && options.bypassValidation !== true && fileName !== undefined;
  if (validate && (job?.validationMode ?? 'workbench') === 'workbench') {
    await deps.api.upload(
      UPLOAD_PENDING,
      { file: null, entityId: options.entityId ?? null, file_markings: options.fileMarkings ? [...options.fileMarkings] : null },
      { file: { name: fileName, data: JSON.stringify(bundle), mimeType: 'application/json' } },
    );
    logger.info('Bundle sent for validation in a workbench', { file_name: fileName });
    return { bundles: 0, dropped: 0, validation: 'workbench' };
  }
  if (validate && !draftId) {
    const created = await deps.api.query(DRAFT_WORKSPACE_ADD, { input: { name: fileName, entity_id: options.entityId ?? null } });
    draftId = created.draftWorkspaceAdd?.id ?? null;
    if (!draftId) {
      logger.error("Draft couldn't be created", { file_name: fileName });
      return { bundles: 0, dropped: 0, validation: 'draft' };
    }
    if (workId) await deps.platform.addDraftContext(workId, draftId);
  }

  if (settings.directory) {
    await writeDirectoryBundle(bundle, settings.directory.context, {
      directory: settings.directory.path,
      retentionDays: settings.directory.retentionDays,
      entitiesTypes: options.entitiesTypes ? [...options.entitiesTypes] : null,
      update: options.update ?? false,
    });
  }

  // The API takes the whole bundle as the caller gave it (pycti sends the caller's text):
  // serialised before the splitter annotates the objects (nb_deps).
  const apiBundle = settings.sendToQueue && settings.queueProtocol === 'api' ? JSON.stringify(bundle) : null;
  const split = splitObjects(bundle.objects, {
    cleanupInconsistentBundle: options.cleanup ?? false,
    eventVersion: options.eventVersion ?? null,
    bundleId: bundle.id,
  });
  if (split.bundles.length === 0) {
    deps.metrics.error();
    throw new InputError('NOTHING_TO_IMPORT', 'Nothing to import: the bundle has no object the platform can take', {
      details: { dropped: split.incompatible.length },
    });
  }
  const result: SendResult = {
    bundles: split.bundles.length,
    dropped: split.incompatible.length,
    ...(validate && draftId ? { validation: 'draft' as const, draftId } : {}),
  };
  if (!settings.sendToQueue) return result;

  if (apiBundle !== null) {
    await deps.api.query(STIX_BUNDLE_PUSH, { connectorId: settings.connectorId, bundle: apiBundle, work_id: workId });
    deps.metrics.bundleSent();
    return result;
  }
  // A job stopped meanwhile is redelivered to the next process: expectations added here for
  // bundles never published would keep its work from ever completing.
  if (deps.signal?.aborted) throw new TransientError('JOB_STOPPED', 'the connector is stopping: the job goes back to the queue');
  if (workId) await deps.platform.addExpectations(workId, split.bundles.length);
  await publishSplit(split.bundles, { workId, draftId, options, job }, deps);
  logger.info(`${split.bundles.length} bundle(s) sent to the queue`, { work_id: workId, dropped: split.incompatible.length });
  return result;
}

async function publishSplit(
  bundles: readonly SplitBundle[],
  context: { workId: string | null; draftId: string | null; options: SendOptions; job: SendJobContext | null },
  deps: SenderDeps,
): Promise<void> {
  const { settings } = deps;
  const publisher = deps.publisher();
  const applicantId = context.job?.applicantId ?? settings.connectorUserId;
  for (let start = 0; start < bundles.length; start += PUBLISH_SLICE) {
    const messages = bundles.slice(start, start + PUBLISH_SLICE).map((split, index) =>
      encodeBundleMessage({
        applicantId,
        actionSequence: start + index + 1,
        entitiesTypes: context.options.entitiesTypes ? [...context.options.entitiesTypes] : [],
        content: serializeSplitBundle(split),
        update: context.options.update ?? false,
        draftId: context.draftId,
        ...(context.workId ? { workId: context.workId } : {}),
      }),
    );
    await publisher.publishBundles(settings.pushExchange, settings.pushRouting, messages, { onConfirmed: () => deps.metrics.bundleSent() });
  }
}

function toBundle(input: BundleInput): StixBundle {
  // Shallow copies: splitting and sharing rewrite top-level properties, never the caller's objects.
  if (Array.isArray(input))
    return { type: 'bundle', id: `bundle--${randomUUID()}`, objects: (input as readonly StixObject[]).map((object) => ({ ...object })) };
  const bundle = input as StixBundle;
  if (!Array.isArray(bundle.objects)) throw new InputError('NOT_A_BUNDLE', 'File data is not a valid bundle: it has no "objects" list');
  return { ...bundle, id: bundle.id || `bundle--${randomUUID()}`, objects: bundle.objects.map((object) => ({ ...object })) };
}

/** pycti merges the job's sharing organisations into every object it sends (§c.1 step 1). */
function shareWithOrganisations(objects: StixObject[], grantedRefs: readonly string[]): void {
  for (const object of objects) {
    const extensions = object.extensions as Record<string, Record<string, unknown>> | undefined;
    const extension = extensions?.[OPENCTI_SDO_EXTENSION];
    const merge = (current: unknown) => [...new Set([...(Array.isArray(current) ? (current as string[]) : []), ...grantedRefs])];
    // The extension is copied, not edited: it belongs to the caller's object.
    if (extension) object.extensions = { ...extensions, [OPENCTI_SDO_EXTENSION]: { ...extension, granted_refs: merge(extension.granted_refs) } };
    else object.x_opencti_granted_refs = merge(object.x_opencti_granted_refs);
  }
}

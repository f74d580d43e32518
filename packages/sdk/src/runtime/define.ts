// The authoring API: a connector is a declaration (kind, config schema, options) plus one
// async function that receives everything it needs in an injected context. No globals:
// tests run the same declaration in-process against the platform stand-in.
import type { Readable } from 'node:stream';
import type { ApiClient, HttpClient, UploadData } from '../api/index.ts';
import type { ConfigSchema, ConfigShape, InferConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { EnrichmentEvent, ExportFileEvent, ImportFileEvent, Job } from './messages.ts';
import type { ConnectorMetrics } from './metrics.ts';
import type { BundleInput, SendOptions, SendResult } from './sender.ts';
import type { ConnectorState } from './state.ts';

export interface ConnectorContext<C> {
  readonly config: C;
  readonly logger: Logger;
  /** The platform's GraphQL API; inside a job it acts as the job's applicant. */
  readonly api: ApiClient;
  /** Outbound HTTP for the connector's own source (timeouts, retries, proxies, size caps). */
  readonly http: HttpClient;
  readonly state: ConnectorState;
  readonly metrics: ConnectorMetrics;
  /** Aborted when the connector is asked to stop. */
  readonly signal: AbortSignal;
  /** Splits, registers expectations on the work, publishes and waits for broker confirms. */
  send(input: BundleInput, options?: SendOptions): Promise<SendResult>;
}

export interface RunContext<C> extends ConnectorContext<C> {
  /** The run's work, created on first use (or first send) as `<name> run @ <date>`. */
  workId(): Promise<string | null>;
  /**
   * Whether the run should stop early because the connector's push queue is at or above
   * CONNECTOR_QUEUE_THRESHOLD (pycti `check_connector_buffering`, one platform query per
   * call). Always false for a one-shot run (run-and-terminate or period 0), which must finish.
   */
  buffering(): Promise<boolean>;
}

/** What a connector's start-up step may use: no work and nothing to send yet. */
export type SetupContext<C> = Omit<ConnectorContext<C>, 'send'>;

export interface JobContext<C, E> extends ConnectorContext<C> {
  readonly job: Job<E extends EnrichmentEvent | ImportFileEvent | ExportFileEvent ? E : never>;
  readonly workId: string | null;
}

export interface ImportFileContext<C> extends JobContext<C, ImportFileEvent> {
  /**
   * The uploaded file, streamed from the platform, failing past `maxBytes` or after `timeoutMs`
   * of silence (default 300 s). `maxAttempts` bounds the tries (default: the API client's
   * retry policy), so a silent platform does not hold a job for many timeouts.
   */
  readFile(options: { maxBytes: number; timeoutMs?: number; maxAttempts?: number }): Promise<Readable>;
}

export interface ExportFileContext<C> extends JobContext<C, ExportFileEvent> {
  /**
   * Uploads the produced file with the mutation that fits the export (sdk-protocol §d.4).
   * `{ path }` (a file on disk) or `{ size, open }` is streamed instead of held in memory; the
   * upload is aborted when the connector stops.
   */
  uploadExport(content: UploadData, options?: { mimeType?: string }): Promise<void>;
}

/** What a handler returns: the message put on the work (pycti's conventions), or nothing. */
export type HandlerResult = Promise<string | undefined | undefined>;

interface DefinitionBase<C extends ConfigShape> {
  config: ConfigSchema<C>;
}

export interface ExternalImportDefinition<C extends ConfigShape> extends DefinitionBase<C> {
  kind: 'EXTERNAL_IMPORT';
  run(context: RunContext<InferConfig<C>>): HandlerResult;
  /**
   * Start-up checks of the source, after registration and before the first run (e.g. MISP's
   * version and key probes). Throwing stops the process with exit code 1 and the error logged.
   */
  setup?(context: SetupContext<InferConfig<C>>): Promise<void>;
  /** Pause between runs in ms when the connector derives it (e.g. a legacy `*_INTERVAL`); default CONNECTOR_DURATION_PERIOD. */
  periodMs?(config: InferConfig<C>): number | undefined;
}

export interface EnrichmentDefinition<C extends ConfigShape> extends DefinitionBase<C> {
  kind: 'INTERNAL_ENRICHMENT';
  /** Registered `playbook_compatible`: the connector always sends the (possibly unchanged) bundle. */
  playbookCompatible?: boolean;
  /**
   * Highest TLP the connector may send out (e.g. `config.x.max_tlp`): an entity marked above it
   * is refused before the handler runs, so no external call sees it (work in error; in a
   * playbook the bundle is passed on unchanged). Undefined: no gate.
   */
  maxTlp?(config: InferConfig<C>): string | undefined;
  /** Entities whose type is not in CONNECTOR_SCOPE get a message, not the handler (default true). */
  scopeCheck?: boolean;
  handle(event: EnrichmentEvent, context: JobContext<InferConfig<C>, EnrichmentEvent>): HandlerResult;
}

export interface ImportFileDefinition<C extends ConfigShape> extends DefinitionBase<C> {
  kind: 'INTERNAL_IMPORT_FILE';
  handle(event: ImportFileEvent, context: ImportFileContext<InferConfig<C>>): HandlerResult;
}

export interface ExportFileDefinition<C extends ConfigShape> extends DefinitionBase<C> {
  kind: 'INTERNAL_EXPORT_FILE';
  handle(event: ExportFileEvent, context: ExportFileContext<InferConfig<C>>): HandlerResult;
}

export type ConnectorDefinition<C extends ConfigShape> =
  | ExternalImportDefinition<C>
  | EnrichmentDefinition<C>
  | ImportFileDefinition<C>
  | ExportFileDefinition<C>;

/** Declares a connector; the identity function that gives the handler its types. */
export function defineConnector<C extends ConfigShape>(definition: ExternalImportDefinition<C>): ExternalImportDefinition<C>;
export function defineConnector<C extends ConfigShape>(definition: EnrichmentDefinition<C>): EnrichmentDefinition<C>;
export function defineConnector<C extends ConfigShape>(definition: ImportFileDefinition<C>): ImportFileDefinition<C>;
export function defineConnector<C extends ConfigShape>(definition: ExportFileDefinition<C>): ExportFileDefinition<C>;
export function defineConnector<C extends ConfigShape>(definition: ConnectorDefinition<C>): ConnectorDefinition<C> {
  return definition;
}

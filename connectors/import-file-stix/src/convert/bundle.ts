// The import's decisions as pure functions (no I/O): which objects of an uploaded file are
// sent, what is reported about the others, how STIX 2.0 content is brought to 2.1, and what
// the entity the file was imported on adds (connectors.md §4.2 step 3, §4.3). Objects keep
// their ids: the file's objects are passed through, never rebuilt.
import { randomUUID } from 'node:crypto';
import { InputError } from '@opencti-ts/sdk/errors';
import { type StixProblem, stixReferences, TLP_MARKING_IDS, validateStixObject } from '@opencti-ts/sdk/stix';

export type StixObject = { id: string; type: string } & Record<string, unknown>;

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
  [key: string]: unknown;
}

/**
 * Container types whose `object_refs` take the file's objects when the file is imported on
 * one of them: the official list (STIX and `x-opencti-` types) plus the type names newer
 * platforms export (Fix: connectors.md §4.2 step 3).
 */
export const CONTAINER_TYPES: ReadonlySet<string> = new Set([
  'report',
  'grouping',
  'observed-data',
  'x-opencti-case-incident',
  'x-opencti-case-rfi',
  'x-opencti-case-rft',
  'x-opencti-task',
  'x-opencti-feedback',
  'case-incident',
  'case-rfi',
  'case-rft',
  'task',
  'feedback',
]);

/**
 * STIX 2.0 → 2.1 for an object of a 2.0 file, recognised by a `created` timestamp without a
 * `spec_version` (2.1 SCOs have neither, 2.0 has no top-level SCOs): `spec_version` added,
 * the properties 2.1 made required filled with what 2.0 implied (`is_family` on malware, the
 * `stix` pattern type on indicators). Ids, timestamps and references are unchanged. Returns
 * null for an object that needs nothing.
 */
export function upgradeTo21(object: Record<string, unknown>): Record<string, unknown> | null {
  if (object.spec_version !== undefined || object.created === undefined) return null;
  const upgraded: Record<string, unknown> = { ...object, spec_version: '2.1' };
  if (object.type === 'malware' && upgraded.is_family === undefined) upgraded.is_family = true;
  if (object.type === 'indicator' && upgraded.pattern_type === undefined) upgraded.pattern_type = 'stix';
  return upgraded;
}

/** What the import found wrong with one object; the object id leads, as users asked (opencti #3491). */
export interface ImportProblem {
  objectId: string | null;
  /** `rejected`: the object is not sent; `dangling`: it is sent, but refers to an object absent from the file. */
  kind: 'rejected' | 'dangling';
  detail: string;
}

/** Accumulates a file's objects one by one (streaming): validated, upgraded, sorted. */
export class ImportCollector {
  readonly objects: StixObject[] = [];
  readonly problems: ImportProblem[] = [];
  private readonly rejectedIds = new Set<string>();
  upgraded = 0;
  read = 0;

  /** Checks one object of the file (`index` is its position in `objects`). */
  add(raw: Record<string, unknown>, index: number): void {
    this.read += 1;
    const upgraded = upgradeTo21(raw);
    if (upgraded) this.upgraded += 1;
    const object = upgraded ?? raw;
    const errors = validateStixObject(object, { path: `$.objects[${index}]` }).filter((problem) => problem.severity === 'error');
    if (errors.length > 0) {
      this.problems.push({ objectId: errors[0]?.objectId ?? null, kind: 'rejected', detail: errors.map(problemText).join('; ') });
      if (typeof object.id === 'string') this.rejectedIds.add(object.id);
      return;
    }
    this.objects.push(object as StixObject);
  }

  /**
   * References to objects that will not be in the sent bundle (absent from the file, or
   * rejected). They are reported, not removed: the platform may already know the target.
   */
  danglingReferences(): ImportProblem[] {
    const present = new Set<string>(Object.values(TLP_MARKING_IDS));
    for (const object of this.objects) present.add(object.id);
    const dangling: ImportProblem[] = [];
    for (const object of this.objects)
      for (const { key, ref } of stixReferences(object))
        if (!present.has(ref))
          dangling.push({
            objectId: object.id,
            kind: 'dangling',
            detail: `${key} ${ref} ${this.rejectedIds.has(ref) ? 'is invalid, not imported' : 'is not in the file'}`,
          });
    return dangling;
  }
}

const problemText = (problem: StixProblem): string => `${problem.code} ${problem.path}: ${problem.message}`;

/**
 * The container the file was imported on, with `object_refs` set to the file's content
 * (connectors.md §4.2 step 3), or null when the entity is no container (or unreadable: Fix,
 * the official connector crashes). With containers in the file, each one and its own refs
 * (one level deep, opencti #8178); otherwise every object of the file.
 */
export function contextContainer(objects: readonly StixObject[], entity: StixObject | null): StixObject | null {
  if (!entity || !CONTAINER_TYPES.has(entity.type) || objects.length === 0) return null;
  const containers = objects.filter((object) => CONTAINER_TYPES.has(object.type));
  const refs =
    containers.length > 0
      ? containers.flatMap((container) => [container.id, ...(Array.isArray(container.object_refs) ? (container.object_refs as string[]) : [])])
      : objects.map((object) => object.id);
  // The platform's export may list the entity among the file's objects: never refer to itself.
  return { ...entity, object_refs: [...new Set(refs)].filter((ref) => ref !== entity.id) };
}

export interface ImportPlan {
  bundle: StixBundle;
  problems: ImportProblem[];
}

/**
 * The bundle to send for a file's objects and what to report about it. The file's bundle
 * id is kept unless the context container is added (then a new one, as pycti re-creates the
 * bundle). Strict mode turns any problem into a rejection of the whole file.
 */
export function planImport(
  collected: { objects: StixObject[]; problems: ImportProblem[]; dangling: ImportProblem[] },
  options: { bundleId?: string | undefined; entity?: StixObject | null; strict?: boolean },
): ImportPlan {
  const problems = [...collected.problems, ...collected.dangling];
  if (options.strict && problems.length > 0)
    throw new InputError('STIX_FILE_REJECTED', `File rejected (strict mode): ${summariseProblems(problems)}`, { details: { problems: problems.length } });
  if (collected.objects.length === 0)
    throw new InputError(
      'NOTHING_TO_IMPORT',
      problems.length > 0 ? `Nothing to import: ${summariseProblems(problems)}` : 'Nothing to import: the bundle is empty',
    );
  const container = contextContainer(collected.objects, options.entity ?? null);
  const objects = container ? [...collected.objects, container] : collected.objects;
  const id = container || !options.bundleId ? `bundle--${randomUUID()}` : options.bundleId;
  return { bundle: { type: 'bundle', id, objects }, problems };
}

const SHOWN_PROBLEMS = 20;

/** One line for the work: counts, then the first problems with their object ids. */
export function summariseProblems(problems: readonly ImportProblem[]): string {
  const rejected = problems.filter((problem) => problem.kind === 'rejected').length;
  const dangling = problems.length - rejected;
  const counts = [
    rejected > 0 ? `${rejected} invalid object(s) not imported` : '',
    dangling > 0 ? `${dangling} reference(s) to objects absent from the file` : '',
  ].filter(Boolean);
  const shown = problems.slice(0, SHOWN_PROBLEMS).map((problem) => `${problem.objectId ?? '(no id)'}: ${problem.detail}`);
  const more = problems.length > SHOWN_PROBLEMS ? ` … and ${problems.length - SHOWN_PROBLEMS} more` : '';
  return `${counts.join(', ')} (${shown.join(' | ')}${more})`;
}

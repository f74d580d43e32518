// `connector-import-file-stix import FILE [--entity-id ID] [--entity-file FILE] [--split]`:
// the bundle the connector would send for a file, one JSON bundle per line (`--split`: the
// split bundles the worker queue would get). No platform: the context entity is read from
// `--entity-file` (its STIX, as the platform exports it) or else looked up in FILE itself.
// Problems go to stderr, one line each; exit 1 when there were any, 2 on bad settings.
import { readFile, stat } from 'node:fs/promises';
import { InputError } from '@opencti-ts/sdk/errors';
import { defineOfflineCommand } from '@opencti-ts/sdk/runtime';
import { serializeSplitBundle, splitObjects } from '@opencti-ts/sdk/stix';
import { importSection } from '../config.ts';
import { planImport, type StixObject, summariseProblems } from '../convert/bundle.ts';
import { readFileContent } from '../read.ts';

export const importCommand = defineOfflineCommand({
  summary: 'print the bundle the connector would send for a STIX file (no platform needed)',
  usage: 'import FILE [--entity-id ID] [--entity-file FILE] [--split]',
  options: { 'entity-id': { type: 'string' }, 'entity-file': { type: 'string' }, split: { type: 'boolean', default: false } },
  positionals: { min: 1, max: 1 },
  // Only the `import_file_stix` settings (IMPORT_FILE_STIX_*): no platform, no broker.
  config: { import_file_stix: importSection },
  async run({ values, positionals: [file = ''], config, out, err, usage }) {
    if (values['entity-file'] !== undefined && values['entity-id'] === undefined) return usage('--entity-file needs --entity-id');
    const settings = config.import_file_stix;
    const size = await stat(file).then(
      (info) => info.size,
      (error: NodeJS.ErrnoException) => {
        throw new InputError('STIX_FILE_UNREADABLE', `cannot read ${file}: ${error.code ?? error.message}`);
      },
    );
    if (size > settings.max_file_size_mb * 1_000_000)
      throw new InputError('FILE_TOO_LARGE', `${file} is ${size} bytes, more than IMPORT_FILE_STIX_MAX_FILE_SIZE_MB=${settings.max_file_size_mb}`);

    const content = await readFileContent(file);
    const entityId = values['entity-id'];
    let entity: StixObject | null = null;
    if (entityId !== undefined) {
      entity = values['entity-file'] ? await readEntityFile(values['entity-file']) : findEntity(content.objects, entityId);
      if (!entity) await err.line(`warning: entity ${entityId} not found; its object_refs are left unchanged`);
    }
    const plan = planImport(content, { bundleId: content.bundleId, entity, strict: settings.strict });
    if (values.split) {
      for (const bundle of splitObjects(plan.bundle.objects, { bundleId: plan.bundle.id }).bundles) await out.line(serializeSplitBundle(bundle));
    } else {
      await out.json(plan.bundle);
    }
    for (const problem of plan.problems) await err.line(`${problem.kind}: ${problem.objectId ?? '(no id)'}: ${problem.detail}`);
    if (plan.problems.length > 0) throw new InputError('STIX_FILE_PARTIAL', summariseProblems(plan.problems));
    return 0;
  },
});

/** The entity's STIX from a file: a bare object, or the first object of a bundle. */
async function readEntityFile(path: string): Promise<StixObject | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new InputError('ENTITY_FILE_INVALID', `cannot read the entity from ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const record = parsed as Record<string, unknown>;
  const object = record?.type === 'bundle' && Array.isArray(record.objects) ? (record.objects[0] as unknown) : parsed;
  return typeof object === 'object' && object !== null && typeof (object as StixObject).type === 'string' ? (object as StixObject) : null;
}

/** The entity among the file's objects, by STIX id or OpenCTI internal id (`x_opencti_id`). */
function findEntity(objects: readonly StixObject[], id: string): StixObject | null {
  return objects.find((object) => object.id === id || object.x_opencti_id === id) ?? null;
}

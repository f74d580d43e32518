// `connector-import-file-stix import FILE [--entity-id ID] [--entity-file FILE] [--split]`:
// the bundle the connector would send for a file, one JSON bundle per line (`--split`: the
// split bundles the worker queue would get). No platform: the context entity is read from
// `--entity-file` (its STIX, as the platform exports it) or else looked up in FILE itself.
// Problems go to stderr, one line each; exit 1 when there were any, 2 on bad settings.
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { write } from '@opencti-ts/sdk/cli';
import { defineConfig, type InferConfig, loadConfig } from '@opencti-ts/sdk/config';
import { ConfigError, InputError } from '@opencti-ts/sdk/errors';
import type { OfflineCommand } from '@opencti-ts/sdk/runtime';
import { serializeSplitBundle, splitObjects } from '@opencti-ts/sdk/stix';
import { importSection } from '../config.ts';
import { planImport, type StixObject, summariseProblems } from '../convert/bundle.ts';
import { readFileContent } from '../read.ts';

/** Only the `import_file_stix` settings (IMPORT_FILE_STIX_*): no platform, no broker. */
const offlineConfig = defineConfig({ import_file_stix: importSection });

const USAGE = 'usage: import FILE [--entity-id ID] [--entity-file FILE] [--split]\n';

export const importCommand: OfflineCommand = {
  summary: 'print the bundle the connector would send for a STIX file (no platform needed)',
  usage: 'import FILE',
  async run(args, io) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args);
    } catch (error) {
      await write(io.stderr, `${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    const [file] = positionals;
    if (file === undefined || positionals.length > 1 || (values['entity-file'] !== undefined && values['entity-id'] === undefined)) {
      await write(io.stderr, USAGE);
      return 2;
    }
    let settings: InferConfig<typeof offlineConfig.shape>['import_file_stix'];
    try {
      settings = loadConfig(offlineConfig, { env: io.env }).import_file_stix;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      await write(io.stderr, `${error.message}\n`);
      return 2;
    }
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
      if (!entity) await write(io.stderr, `warning: entity ${entityId} not found; its object_refs are left unchanged\n`);
    }
    const plan = planImport(content, { bundleId: content.bundleId, entity, strict: settings.strict });
    if (values.split) {
      for (const bundle of splitObjects(plan.bundle.objects, { bundleId: plan.bundle.id }).bundles) await write(io.stdout, `${serializeSplitBundle(bundle)}\n`);
    } else {
      await write(io.stdout, `${JSON.stringify(plan.bundle)}\n`);
    }
    for (const problem of plan.problems) await write(io.stderr, `${problem.kind}: ${problem.objectId ?? '(no id)'}: ${problem.detail}\n`);
    if (plan.problems.length > 0) throw new InputError('STIX_FILE_PARTIAL', summariseProblems(plan.problems));
    return 0;
  },
};

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { 'entity-id': { type: 'string' }, 'entity-file': { type: 'string' }, split: { type: 'boolean', default: false } },
  });
}

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

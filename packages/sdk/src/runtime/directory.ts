// Send-to-directory output (sdk-protocol §g.1): each bundle a connector sends is also
// written, unsplit, as a DIRECTORY_BUNDLE JSON file (tmp file then rename, so watchers see
// whole files), after deleting *.json files older than the retention.
import { readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DirectoryBundleContext {
  applicantId: string | null;
  connector: { id: string; name: string; type: string; scope: string; auto: boolean; validate_before_import: boolean };
}

export interface DirectoryWriteOptions {
  directory: string;
  retentionDays: number;
  entitiesTypes: readonly string[] | null;
  update: boolean;
  now?: () => Date;
}

/** `<name lower-cased, spaces → _>-<local YYYYmmdd-HHMMSS>-<epoch seconds with fraction>.json` */
export function directoryFileName(connectorName: string, date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const local = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  const epoch = (date.getTime() / 1000).toFixed(6);
  return `${connectorName.toLowerCase().replaceAll(' ', '_')}-${local}-${epoch}.json`;
}

export async function writeDirectoryBundle(bundle: unknown, context: DirectoryBundleContext, options: DirectoryWriteOptions): Promise<string> {
  const now = options.now?.() ?? new Date();
  if (options.retentionDays > 0) await deleteOlderThan(options.directory, now.getTime() - options.retentionDays * 86_400_000);
  const content = {
    bundle_type: 'DIRECTORY_BUNDLE',
    applicant_id: context.applicantId,
    connector: context.connector,
    entities_types: options.entitiesTypes,
    bundle,
    update: options.update,
  };
  const target = path.join(options.directory, directoryFileName(context.connector.name, now));
  await writeFile(`${target}.tmp`, JSON.stringify(content));
  await rename(`${target}.tmp`, target);
  return target;
}

async function deleteOlderThan(directory: string, cutoffMs: number): Promise<void> {
  for (const name of await readdir(directory)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(directory, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoffMs) await unlink(file).catch(() => undefined);
  }
}

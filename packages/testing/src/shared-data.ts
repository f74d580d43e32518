// Real third-party data lives in ../shared beside the project and is never copied in.
// Tests find it here; outside CI a missing folder skips with the path it looked for.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCi } from './env.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared reference folder: OPENCTI_TS_SHARED_DIR, else `<repo>/../shared`. */
export function sharedDir(): string {
  return process.env.OPENCTI_TS_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
}

export type SharedPath = { available: true; path: string } | { available: false; reason: string };

/** Locates a file or folder under the shared data; throws under CI when it is missing. */
export function sharedPath(...segments: string[]): SharedPath {
  const full = path.join(sharedDir(), ...segments);
  if (existsSync(full)) return { available: true, path: full };
  const reason = `shared reference data not found at ${full} (set OPENCTI_TS_SHARED_DIR)`;
  if (isCi()) throw new Error(reason);
  console.warn(`[opencti-ts] skipped: ${reason}`);
  return { available: false, reason };
}

/** The repository root, for tests that run the project's own scripts. */
export function repositoryRoot(): string {
  return repoRoot;
}

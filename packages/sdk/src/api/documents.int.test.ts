// Runs the project's reference validator (shared/opencti/validate-documents.mjs) on every SDK
// document, written as files the way the validator expects them.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { DOCUMENTS } from './documents.ts';

const validator = sharedPath('opencti/validate-documents.mjs');
const sdkRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe.skipIf(!validator.available)('validate-documents.mjs', () => {
  it('accepts every document the SDK sends (exit 0)', async () => {
    if (!validator.available) return;
    const dir = await mkdtemp(path.join(tmpdir(), 'opencti-ts-documents-'));
    try {
      for (const [name, document] of Object.entries(DOCUMENTS)) await writeFile(path.join(dir, `${name}.graphql`), `${document.text}\n`);
      // graphql + @graphql-tools/* resolve from the sdk package (devDependencies).
      const { stdout } = await promisify(execFile)(process.execPath, [validator.path, dir], { cwd: sdkRoot }).catch(
        (error: { stdout?: string; code?: number }) => {
          throw new Error(`validator exited with ${error.code}:\n${error.stdout ?? ''}`);
        },
      );
      const total = Object.keys(DOCUMENTS).length;
      expect(stdout).toContain(`${total}/${total} documents valid.`);
      expect(stdout).not.toContain('warning:');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

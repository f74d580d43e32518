// The architecture rules `pnpm lint` enforces, proven on in-memory fixtures: amqplib only
// under packages/sdk/src/mq/, axios only under packages/sdk/src/api/, no `any`, no plain
// `throw new Error` outside the SDK's errors module.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './shared-data.ts';

const root = repositoryRoot();
const biome = path.join(root, 'node_modules/.bin/biome');

/** Lints `source` as if it lived at `filePath` in the repository, with the repository's Biome config. */
function lintAs(filePath: string, source: string): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lint-'));
  const config = JSON.parse(readFileSync(path.join(root, 'biome.json'), 'utf8')) as Record<string, unknown>;
  config.vcs = { enabled: false };
  config.$schema = undefined;
  writeFileSync(path.join(dir, 'biome.json'), JSON.stringify(config));
  mkdirSync(path.dirname(path.join(dir, filePath)), { recursive: true });
  writeFileSync(path.join(dir, filePath), source);
  try {
    const result = spawnSync(biome, ['lint', filePath], { cwd: dir, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const importAmqplib = "import amqp from 'amqplib';\nexport const connect = () => amqp.connect('amqp://localhost');\n";
const importAxios = "import axios from 'axios';\nexport const get = () => axios.get('http://localhost');\n";

describe('architecture lint rules', () => {
  it.each([
    ['amqplib in a connector', 'connectors/example/src/main.ts', importAmqplib, false],
    ['axios in a connector', 'connectors/example/src/client.ts', importAxios, false],
    ['amqplib in the SDK outside mq/', 'packages/sdk/src/runtime/x.ts', importAmqplib, false],
    ['axios in the SDK mq/', 'packages/sdk/src/mq/x.ts', importAxios, false],
    ['amqplib in the SDK mq/', 'packages/sdk/src/mq/x.ts', importAmqplib, true],
    ['axios in the SDK api/', 'packages/sdk/src/api/x.ts', importAxios, true],
    ['amqplib in a test', 'connectors/example/src/main.int.test.ts', importAmqplib, true],
    ['an explicit any', 'connectors/example/src/convert.ts', 'export function f(x: any): number { return x; }\n', false],
  ])('%s → %s', (_title, filePath, source, allowed) => {
    const { status, output } = lintAs(filePath, source);
    if (allowed) expect(status, output).toBe(0);
    else expect(status, output).not.toBe(0);
  });

  it('names the rule and the allowed place in the message', () => {
    const { output } = lintAs('connectors/example/src/main.ts', importAmqplib);
    expect(output).toContain('noRestrictedImports');
    expect(output).toContain('packages/sdk/src/mq/');
  });

  it('rejects a plain throw new Error outside the errors module', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lint-'));
    const file = path.join(dir, 'connectors/example/src/convert.ts');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "export function f(): never {\n  throw new Error('nope');\n}\n");
    const result = spawnSync(process.execPath, [path.join(root, 'scripts/check-architecture.mjs'), file], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('plain `throw new Error`');
  });
});

import { runInProcess, sharedPath } from '@opencti-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { storedSchemaSdl } from '../../api/__fixtures__/platform-schema.ts';
import { json, startServer } from '../../api/__fixtures__/server.ts';
import { DOCUMENTS } from '../../api/documents.ts';
import { runCli } from '../main.ts';

const TOKEN = 'c0ffee00-1111-4222-8333-444455556666';
const schemaDir = sharedPath('opencti/schema');
const sdl = schemaDir.available ? storedSchemaSdl(schemaDir.path) : '';
let served: { status: number; body: unknown } = { status: 200, body: { version: '6.9.17', schema: sdl } };
const server = await startServer((request, response) => {
  if (request.path !== '/schema' || request.headers.authorization !== `Bearer ${TOKEN}`) return json(response, 403, { status: 'error' });
  return json(response, served.status, served.body);
});
afterAll(() => server.close());

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runInProcess(runCli, ['check-schema', ...args], { env: { NO_PROXY: '*', ...env } });

const total = Object.keys(DOCUMENTS).length;

describe.skipIf(!schemaDir.available)('opencti-ts check-schema', () => {
  it('exits 0 when every document validates against the live schema', async () => {
    served = { status: 200, body: { version: '6.9.17', schema: sdl } };
    const result = await run(['--url', server.url, '--token', TOKEN]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`Platform 6.9.17: ${total}/${total} documents valid.`);
  });

  it('reads OPENCTI_URL / OPENCTI_TOKEN when no flags are given', async () => {
    served = { status: 200, body: { version: '6.9.17', schema: sdl } };
    expect((await run([], { OPENCTI_URL: server.url, OPENCTI_TOKEN: TOKEN })).code).toBe(0);
  });

  it('exits 1 and names the documents a platform without toStix rejects', async () => {
    served = { status: 200, body: { version: '6.7.0', schema: sdl.replace(/^\s*toStix\(version: Version\): String\n/gm, '') } };
    const result = await run(['--url', server.url, '--token', TOKEN]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL  StixCoreObjects: ');
    expect(result.stderr).toContain('Cannot query field "toStix"');
    expect(result.stderr).toContain(`Platform 6.7.0: ${total - 5}/${total} documents valid.`);
  });

  it.each([
    ['a wrong token', ['--url', server.url, '--token', 'wrong-token-value'], 'FORBIDDEN_ACCESS'],
    ['no token', ['--url', server.url], '--token'],
    ['an unknown flag', ['--url', server.url, '--token', TOKEN, '--bogus'], 'bogus'],
  ])('exits 2 with %s', async (_label, args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('wrong-token-value');
  });

  it('never prints the token', async () => {
    served = { status: 500, body: { error: `token ${TOKEN} leaked by a proxy` } };
    const result = await run(['--url', server.url, '--token', TOKEN]);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).not.toContain(TOKEN);
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.ts';
import { json, startServer } from './__fixtures__/server.ts';
import { createApiClient } from './client.ts';
import { checkPlatformVersion, readPlatformVersion } from './version.ts';

describe('checkPlatformVersion (platform-contract §12)', () => {
  it.each([
    ['6.9.17', 'tested', 0],
    ['6.8.10', 'tested', 0],
    ['6.8.9', 'tested', 1],
    ['6.8.5', 'tested', 2],
    ['6.7.20', 'older', 1],
    ['5.12.0', 'older', 1],
    ['7.260224.0', 'newer', 1],
    ['7.0.0', 'newer', 1],
    ['nightly', 'unknown', 1],
  ])('%s → %s with %i warning(s)', (version, status, warnings) => {
    const check = checkPlatformVersion(version);
    expect(check.status).toBe(status);
    expect(check.warnings).toHaveLength(warnings);
  });

  it('reads CalVer 7.YYMMDD.N as a date', () => {
    expect(checkPlatformVersion('7.260817.0').warnings[0]).toContain('2026-08-17');
  });
});

describe('readPlatformVersion', () => {
  it.each([
    ['6.9.17', false],
    ['7.260224.0', true],
  ])('logs %s and warns outside the range: %s', async (version, warns) => {
    const server = await startServer((_request, response) => json(response, 200, { data: { about: { version } } }));
    const lines: string[] = [];
    const logger = createLogger({ name: 'api', level: 'INFO', sink: (line) => lines.push(line) });
    const check = await readPlatformVersion(createApiClient({ url: server.url, token: 'token-value', env: false }), logger);
    await server.close();
    expect(check.version).toBe(version);
    const records = lines.map((line) => JSON.parse(line) as { level: string; attributes?: { platform_version?: string } });
    expect(records.find((r) => r.level === 'INFO')?.attributes?.platform_version).toBe(version);
    expect(records.some((r) => r.level === 'WARNING')).toBe(warns);
  });
});

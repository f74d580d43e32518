// The command line as a child process (the same entry the image runs, from source):
// `lookup` prints the bundle it would send, exit 1 with one line on bad input, 2 on bad config.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { validateStixBundle } from '@opencti-ts/sdk/stix';
import { runNode, sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const data = sharedPath('data/whois-rdap');
const main = path.join(import.meta.dirname, '../src/main.ts');

const run = (args: string[], env: Record<string, string>) => runNode(main, args, { env, timeoutMs: 60_000 });

describe.skipIf(!data.available)('connector-whois lookup (child process)', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url === '/bootstrap/dns.json') return void response.end(JSON.stringify({ services: [[['fr'], [`${base}/afnic/`]]] }));
      if (request.url === '/afnic/domain/lemonde.fr')
        return void response.end(readFileSync(path.join(data.available ? data.path : '', 'rdap/icann-rdap/responses/lemonde.fr.json')));
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('prints the bundle it would send, exit 0', async () => {
    const result = await run(['lookup', 'www.lemonde.fr', '--type', 'Hostname'], { WHOIS_RDAP_BOOTSTRAP_URL: `${base}/bootstrap/` });
    expect(result.code, result.stderr).toBe(0);
    const bundle = JSON.parse(result.stdout) as { objects: { type: string; abstract?: string; value?: string }[] };
    expect(validateStixBundle(bundle).filter((p) => p.severity === 'error')).toEqual([]);
    expect(bundle.objects.find((o) => o.type === 'note')?.abstract).toBe('WHOIS/RDAP: lemonde.fr');
    expect(bundle.objects.some((o) => o.type === 'hostname' && o.value === 'www.lemonde.fr')).toBe(true);
  });

  it('bad input: exit 1 with a one-line reason', async () => {
    const result = await run(['lookup', 'not a domain', '--type', 'Domain-Name'], { WHOIS_RDAP_BOOTSTRAP_URL: `${base}/bootstrap/` });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('is not a domain name');
  });

  it('bad configuration: exit 2', async () => {
    const result = await run(['lookup', 'lemonde.fr'], { WHOIS_MAX_TLP: 'TLP:PURPLE' });
    expect(result.code).toBe(2);
  });
});

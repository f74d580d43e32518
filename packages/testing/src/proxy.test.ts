// The test proxy over real local HTTP: it forwards what it does not intercept unchanged,
// lets an intercept answer (or stall) a request, and cleans up what it left hanging.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from './proxy.ts';

describe('startProxy', () => {
  let target: http.Server;
  let targetUrl: string;
  const seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    target = http.createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body: Buffer.concat(chunks).toString() });
      response.writeHead(request.url === '/missing' ? 404 : 200, {
        'content-type': 'application/json',
        'content-disposition': 'attachment; filename="a.json"',
      });
      response.end(JSON.stringify({ echoed: request.url }));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });

  it('forwards method, path, headers and body, and answers with the status, headers and body of the target', async () => {
    const proxy = await startProxy(targetUrl);
    try {
      const answer = await fetch(`${proxy.url}/graphql?x=1`, { method: 'POST', headers: { authorization: 'Bearer token' }, body: '{"query":"{ me { id } }"}' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-disposition')).toBe('attachment; filename="a.json"');
      expect(await answer.json()).toEqual({ echoed: '/graphql?x=1' });
      expect(seen.at(-1)).toEqual({ method: 'POST', url: '/graphql?x=1', authorization: 'Bearer token', body: '{"query":"{ me { id } }"}' });
      expect((await fetch(`${proxy.url}/missing`)).status).toBe(404);
    } finally {
      await proxy.close();
    }
  });

  it("lets the intercept answer in the target's place, rewrite the request or the target's answer, or never answer until close()", async () => {
    let stallArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      stallArrived = resolve;
    });
    const proxy = await startProxy(targetUrl, {
      async intercept({ request, response, forward, reply }) {
        if (request.url === '/teapot') {
          response.writeHead(418).end('short and stout');
          return true;
        }
        if (request.url === '/stall') {
          stallArrived();
          return true;
        }
        if (request.url === '/rewrite') {
          reply(await forward(Buffer.from('rewritten')));
          return true;
        }
        if (request.url === '/upper') {
          const answer = await forward();
          reply({ ...answer, body: Buffer.from(answer.body.toString().toUpperCase()) });
          return true;
        }
        return false;
      },
    });
    const before = seen.length;
    const teapot = await fetch(`${proxy.url}/teapot`);
    expect([teapot.status, await teapot.text()]).toEqual([418, 'short and stout']);
    expect(await (await fetch(`${proxy.url}/upper`)).text()).toBe('{"ECHOED":"/UPPER"}');
    await fetch(`${proxy.url}/rewrite`, { method: 'POST', body: 'original' });
    expect(seen.slice(before).map((request) => [request.url, request.body])).toEqual([
      ['/upper', ''],
      ['/rewrite', 'rewritten'],
    ]);
    const stalled = fetch(`${proxy.url}/stall`);
    await arrived;
    await proxy.close();
    await expect(stalled).rejects.toThrow(/fetch failed/);
  });

  it('answers 502 when the target cannot be reached', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const proxy = await startProxy(`http://127.0.0.1:${port}`);
    try {
      expect((await fetch(`${proxy.url}/anything`)).status).toBe(502);
    } finally {
      await proxy.close();
    }
  });
});

// The port-43 edge: one query per TCP connection (RFC 3912), the answer read until the
// server closes. A deadline covers connect + read, a byte cap bounds the answer, and the
// dialer is injectable so tests point every server name at a local TCP server.
import net from 'node:net';
import { InputError, TransientError } from '@opencti-ts/sdk/errors';

export interface WhoisEndpoint {
  host: string;
  port: number;
}

/** Where to connect for a server name (tests map every name to 127.0.0.1:<port>). */
export type WhoisDialer = (server: WhoisEndpoint) => WhoisEndpoint;

export interface WhoisQueryOptions {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  dial?: WhoisDialer;
}

/** `whois.nic.fr`, `whois.nic.fr:4343`, `[::1]:43` → host and port. */
export function parseServer(server: string): WhoisEndpoint {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed) return { host: bracketed[1] as string, port: Number(bracketed[2] ?? 43) };
  const [host, port] = server.split(':');
  return { host: host as string, port: port && /^\d+$/.test(port) ? Number(port) : 43 };
}

/** Sends `query` to `server` and returns the answer text (UTF-8, as the libraries store it). */
export function whoisQuery(server: string, query: string, options: WhoisQueryOptions): Promise<string> {
  const target = (options.dial ?? ((endpoint) => endpoint))(parseServer(server));
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = net.connect({ host: target.host, port: target.port });
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const deadline = setTimeout(
      () => finish(new TransientError('WHOIS_TIMEOUT', `whois server ${server} did not answer within ${options.timeoutMs} ms`, { details: { server } })),
      options.timeoutMs,
    );
    const onAbort = () => finish(new TransientError('WHOIS_ABORTED', `whois query to ${server} was cancelled`, { details: { server } }));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(`${query}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) {
        finish(new InputError('WHOIS_TOO_LARGE', `whois server ${server} sent more than ${options.maxBytes} bytes`, { details: { server } }));
        return;
      }
      chunks.push(chunk);
    });
    socket.on('end', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        new TransientError('WHOIS_NETWORK_ERROR', `whois server ${server} failed: ${error.code ?? error.message}`, { details: { server, errno: error.code } }),
      ),
    );
  });
}

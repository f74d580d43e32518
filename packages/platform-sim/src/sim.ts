// Starting and stopping one stand-in: platform domain, worker, HTTP server, and the
// optional STIX bundle loaded at start.
import { Platform, type PlatformOptions } from './platform.ts';
import type { PlaybookDriver } from './playbooks.ts';
import { startServer } from './server.ts';
import { Worker } from './worker.ts';

export interface PlatformSim {
  /** Base URL (no trailing slash), e.g. http://127.0.0.1:41234 */
  url: string;
  /** The admin's API token (BYPASS). */
  token: string;
  /** A token of a user holding the default "Connector" role. */
  connectorToken: string;
  rabbitmqUrl: string;
  platform: Platform;
  worker: Worker;
  /** Playbook steps to enrichment connectors, and their answers. */
  playbooks: PlaybookDriver;
  stop(): Promise<void>;
}

export interface PlatformSimOptions extends PlatformOptions {
  port?: number;
  host?: string;
  /** STIX 2.1 bundle objects loaded before the server answers. */
  bundle?: { objects?: Record<string, unknown>[] } | null;
}

export async function startPlatformSim(options: PlatformSimOptions): Promise<PlatformSim> {
  const platform = new Platform(options);
  await platform.start();
  const worker = new Worker(platform);
  try {
    await worker.start();
    for (const object of options.bundle?.objects ?? []) await platform.applyObject(object, platform.admin.id);
  } catch (error) {
    await worker.stop();
    await platform.stop();
    throw error;
  }
  const server = await startServer(platform, { port: options.port, host: options.host });
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    token: platform.admin.api_token,
    connectorToken: platform.connectorUser.api_token,
    rabbitmqUrl: options.rabbitmqUrl,
    platform,
    worker,
    playbooks: platform.playbooks,
    stop: () => {
      stopped ??= (async () => {
        await server.close();
        await worker.stop();
        await platform.stop();
      })();
      return stopped;
    },
  };
}

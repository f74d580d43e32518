#!/usr/bin/env node
// `opencti-platform-sim` / `pnpm platform-sim`: starts the stand-in on localhost against
// RABBITMQ_URL, prints its URL and admin token, optionally loads a STIX bundle, and stops
// cleanly (queues and exchanges deleted) on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startPlatformSim } from './sim.ts';

const USAGE = `Usage: opencti-platform-sim [--port N] [--bundle file.json] [--token UUID] [--queue-prefix P]
Environment: RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672)`;

async function main(): Promise<number> {
  let values: { port?: string; bundle?: string; token?: string; 'queue-prefix'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        bundle: { type: 'string' },
        token: { type: 'string' },
        'queue-prefix': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let bundle: { objects?: Record<string, unknown>[] } | null = null;
  if (values.bundle) {
    try {
      bundle = JSON.parse(readFileSync(values.bundle, 'utf8')) as { objects?: Record<string, unknown>[] };
    } catch (error) {
      console.error(`cannot read the bundle ${values.bundle}: ${(error as Error).message}`);
      return 1;
    }
  }
  const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const sim = await startPlatformSim({
    rabbitmqUrl,
    port: values.port ? Number(values.port) : 0,
    adminToken: values.token,
    queuePrefix: values['queue-prefix'],
    bundle,
  });
  console.log(`OpenCTI platform stand-in ${sim.platform.version} listening on ${sim.url}`);
  console.log(`OPENCTI_URL=${sim.url}`);
  console.log(`OPENCTI_TOKEN=${sim.token}`);
  console.log(`queue prefix: ${sim.platform.broker.names.prefix || '(none)'}; objects loaded: ${bundle?.objects?.length ?? 0}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  console.log('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);

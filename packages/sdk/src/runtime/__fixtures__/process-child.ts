// An enrichment connector process for process.int.test.ts, written with the authoring API
// and started like a real one (signal handlers on). Its handler announces each job on
// stdout ("handling <work id>"), then, with TEST_HOLD=1, blocks until the parent writes
// "release" on stdin, so the parent can kill or stop it mid-job. It sends a hostname
// (TEST_HOSTNAME) resolving to the enriched entity. Run directly by Node (type stripping).
import { createInterface } from 'node:readline';
import { baseConfig, defineConfig } from '../../config/index.ts';
import { stixBuilders as b } from '../../stix/index.ts';
import { defineConnector } from '../define.ts';
import { startConnector } from '../start.ts';

// Each "release" line lets one held job go on.
let releases = 0;
let wake: () => void = () => {};
const released = async () => {
  while (releases === 0) await new Promise<void>((resolve) => (wake = resolve));
  releases -= 1;
};
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() !== 'release') return;
  releases += 1;
  wake();
});
// stdin must not keep the process alive once the connector stopped.
process.stdin.unref();

const connector = defineConnector({
  kind: 'INTERNAL_ENRICHMENT',
  config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
  async handle(event, ctx) {
    process.stdout.write(`handling ${ctx.workId}\n`);
    ctx.signal.addEventListener('abort', () => process.stdout.write('stop requested\n'), { once: true });
    if (process.env.TEST_HOLD === '1') {
      const aborted = new Promise<never>((_, reject) => {
        if (process.env.TEST_HONOUR_SIGNAL === '1') ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
      await Promise.race([released(), aborted]);
    }
    const hostname = b.hostname(process.env.TEST_HOSTNAME ?? 'child.example.test');
    const sent = await ctx.send([hostname, b.relationship({ relationship_type: 'resolves-to', source_ref: hostname.id, target_ref: event.entityId })]);
    process.stdout.write(`done ${ctx.workId}\n`);
    return `${sent.bundles} generated bundle(s) for worker import`;
  },
});

const running = startConnector(connector, {
  env: process.env,
  ...(process.env.TEST_STOP_GRACE_MS ? { stopGraceMs: Number(process.env.TEST_STOP_GRACE_MS) } : {}),
});
process.exitCode = await running.done;
input.close();

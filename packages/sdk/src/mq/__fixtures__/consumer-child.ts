// A connector process for the crash test: consumes the queue named by MQ_TEST_QUEUE with
// the SDK's consumer, announces each job on stdout and never finishes it, so the parent
// can SIGKILL it mid-job. Run directly by Node (type stripping).
import { createMqConnection } from '../connection.ts';
import { consume } from '../consumer.ts';

const env = (name: string): string => process.env[name] ?? '';

const connection = createMqConnection({
  connection: {
    host: env('MQ_TEST_HOST'),
    port: Number(env('MQ_TEST_PORT')),
    vhost: env('MQ_TEST_VHOST'),
    use_ssl: false,
    user: env('MQ_TEST_USER'),
    pass: env('MQ_TEST_PASS'),
  },
  name: 'opencti-ts crash test child',
});

await consume(
  connection,
  env('MQ_TEST_QUEUE'),
  async (message) => {
    process.stdout.write(`handling ${JSON.stringify(message)}\n`);
    // The job "publishes and reports" forever: only a kill ends it.
    await new Promise(() => {});
  },
  { prefetch: 1 },
);
process.stdout.write('ready\n');

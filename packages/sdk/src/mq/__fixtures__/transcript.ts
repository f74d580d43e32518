// The AMQP publishes pycti made, from the shared transcript (sdk-protocol §c.1), and the
// bytes `json.dumps` gives for a decoded body (pythonJsonDumps): what an opencti-ts publish
// must equal.
import { readFileSync } from 'node:fs';

export interface TranscriptPublish {
  scenario: string;
  exchange: string;
  routing_key: string;
  mandatory: boolean;
  properties: Record<string, unknown>;
  body: Record<string, unknown>;
}

interface TranscriptFile {
  transcript: { scenario: string; amqp?: ({ op: string } & Record<string, unknown>)[] }[];
}

export function transcriptPublishes(file: string): TranscriptPublish[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as TranscriptFile;
  return parsed.transcript.flatMap((entry) =>
    (entry.amqp ?? []).filter((op) => op.op === 'basic_publish').map((op) => ({ ...(op as unknown as TranscriptPublish), scenario: entry.scenario })),
  );
}

// The AMQP publishes pycti made, from the shared transcript (sdk-protocol §c.1), and the
// bytes `json.dumps` gives for a decoded body: what an opencti-ts publish must equal.
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

/** Python's `json.dumps(value)` with default arguments, for any JSON value (key order kept). */
export function pythonDumps(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => `${pythonDumps(key)}: ${pythonDumps(inner)}`)
    .join(', ')}}`;
}

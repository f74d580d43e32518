// `opencti-ts check-schema`: validates every GraphQL document the SDK sends against a live
// platform's schema (`GET <url>/schema`, authenticated; introspection is off in production).
import { parseArgs } from 'node:util';
import { createApiClient, DOCUMENTS, type DocumentProblem, schemaFromSdl, validateDocuments } from '../../api/index.ts';
import { isOpenCtiTsError } from '../../errors/index.ts';
import { Redactor } from '../../log/index.ts';
import type { Command, CommandIo } from '../command.ts';
import { write } from '../command.ts';

const USAGE = `Usage: opencti-ts check-schema [--url URL] [--token TOKEN] [--timeout-ms N]

Fetches GET <url>/schema from an OpenCTI platform and validates every GraphQL document the SDK
sends against it. --url and --token default to OPENCTI_URL and OPENCTI_TOKEN (prefer the
variable: a token on the command line is visible to other users of the machine).
Exit status: 0 all documents valid, 1 some are invalid, 2 usage error or platform unreachable.`;

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  let values: { url?: string; token?: string; 'timeout-ms'?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { url: { type: 'string' }, token: { type: 'string' }, 'timeout-ms': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    await write(io.stderr, `opencti-ts check-schema: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const url = values.url ?? io.env.OPENCTI_URL;
  const token = values.token ?? io.env.OPENCTI_TOKEN;
  const timeoutMs = values['timeout-ms'] === undefined ? 60_000 : Number(values['timeout-ms']);
  if (!url || !token || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    await write(
      io.stderr,
      `opencti-ts check-schema: ${!url ? '--url (or OPENCTI_URL)' : !token ? '--token (or OPENCTI_TOKEN)' : '--timeout-ms'} is required or invalid\n\n${USAGE}\n`,
    );
    return 2;
  }
  const redactor = new Redactor([token]);
  const api = createApiClient({ url, token, timeoutMs, redactor, headers: io.env.OPENCTI_CUSTOM_HEADERS, env: io.env, retry: { maxAttempts: 2 } });
  let problems: DocumentProblem[];
  let version: string;
  try {
    const remote = await api.fetchSchema();
    version = remote.version;
    problems = validateDocuments(schemaFromSdl(remote.schema));
  } catch (error) {
    const reason = isOpenCtiTsError(error) ? `${error.code}: ${error.message}` : redactor.redact(error instanceof Error ? error.message : String(error));
    await write(io.stderr, `opencti-ts check-schema: cannot check against ${redactor.redact(url)}: ${reason}\n`);
    return 2;
  }
  const total = Object.keys(DOCUMENTS).length;
  const failed = new Set(problems.map((problem) => problem.operationName));
  const lines = problems.map((problem) => `FAIL  ${problem.operationName}: ${problem.message}`);
  lines.push(`Platform ${version}: ${total - failed.size}/${total} documents valid.`);
  await write(failed.size > 0 ? io.stderr : io.stdout, `${lines.join('\n')}\n`);
  return failed.size > 0 ? 1 : 0;
}

export const checkSchemaCommand: Command = {
  path: ['check-schema'],
  summary: "Validate the SDK's GraphQL documents against a live platform",
  usage: USAGE,
  run,
};

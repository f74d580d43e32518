// A recording fake of the platform for the wire-parity tests (transcript.int.test.ts): a
// real HTTP server on 127.0.0.1:0 that answers the GraphQL operations and storage downloads
// the runtime sends and records every request, summarised the way the shared transcript
// summarises pycti's (operation type, name, selection tree, variables or multipart parts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kind, type OperationDefinitionNode, parse, type SelectionSetNode } from 'graphql';

/** A selection tree: leaf fields by name, fields with a sub-selection as `{ name: [...] }`. */
export type SelectionTree = (string | { [field: string]: SelectionTree })[];

export interface MultipartPart {
  name: string;
  /** JSON parts (`operations` without its query, `map`). */
  value?: unknown;
  filename?: string;
  content_type?: string;
  content?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-cased names, as node gives them. */
  headers: Record<string, string>;
  variables?: Record<string, unknown>;
  multipart?: MultipartPart[];
  operation_type?: string;
  operation_name?: string;
  selection?: SelectionTree;
}

export type Answer = (variables: Record<string, unknown>, headers: Record<string, string>) => unknown;

/** An answer that fails: HTTP 200 with a GraphQL `errors` array, as the platform fails. */
export class GraphqlErrors {
  readonly errors: { message: string; name?: string }[];
  constructor(errors: { message: string; name?: string }[]) {
    this.errors = errors;
  }
}

export interface RecordingPlatform {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Files served on GET /storage/get/<id>. */
  readonly files: Map<string, { content: string; mimeType: string }>;
  /** Resolves once a request matching `predicate` was recorded (waits, never times). */
  waitFor(predicate: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  close(): Promise<void>;
}

function selectionTree(set: SelectionSetNode | undefined): SelectionTree {
  return (set?.selections ?? []).map((selection) => {
    if (selection.kind === Kind.FIELD) return selection.selectionSet ? { [selection.name.value]: selectionTree(selection.selectionSet) } : selection.name.value;
    if (selection.kind === Kind.INLINE_FRAGMENT) return { [`... on ${selection.typeCondition?.name.value ?? ''}`]: selectionTree(selection.selectionSet) };
    return `...${selection.name.value}`;
  });
}

/** The transcript's summary of a GraphQL document. */
export function summariseDocument(query: string): { operation_type: string; operation_name: string; selection: SelectionTree } {
  const operation = parse(query).definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new RangeError(`no operation in ${query}`);
  return { operation_type: operation.operation, operation_name: operation.name?.value ?? '', selection: selectionTree(operation.selectionSet) };
}

function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) throw new RangeError(`no boundary in ${contentType}`);
  const text = body.toString('utf8');
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((raw) => {
      const part = raw.replace(/^\r\n/, '').replace(/\r\n$/, '');
      const split = part.indexOf('\r\n\r\n');
      const head = part.slice(0, split);
      const content = part.slice(split + 4);
      const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
      const filename = /filename="([^"]*)"/.exec(head)?.[1];
      if (filename === undefined) return { name, value: JSON.parse(content) as unknown };
      return { name, filename, content_type: /content-type: *([^\r\n]+)/i.exec(head)?.[1] ?? '', content };
    });
}

export async function startRecordingPlatform(answers: Record<string, Answer>): Promise<RecordingPlatform> {
  const requests: RecordedRequest[] = [];
  const files = new Map<string, { content: string; mimeType: string }>();
  let wake: Array<() => void> = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
    const path = request.url ?? '/';
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path, headers };
    const reply = (status: number, type: string, payload: string) => {
      requests.push(recorded);
      for (const resolve of wake.splice(0)) resolve();
      response.writeHead(status, { 'content-type': type });
      response.end(payload);
    };
    if (request.method === 'GET' && path.startsWith('/storage/get/')) {
      const file = files.get(decodeURIComponent(path.slice('/storage/get/'.length)));
      if (file) reply(200, file.mimeType, file.content);
      else reply(404, 'text/plain', 'not found');
      return;
    }
    let query = '';
    const contentType = headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) {
      const parts = parseMultipart(body, contentType);
      const operations = (parts.find((part) => part.name === 'operations')?.value ?? {}) as { query?: string; variables?: Record<string, unknown> };
      query = operations.query ?? '';
      // The transcript keeps the variables of `operations`; the query is summarised.
      recorded.multipart = parts.map((part) => (part.name === 'operations' ? { name: part.name, value: { variables: operations.variables } } : part));
    } else {
      const parsed = JSON.parse(body.toString('utf8')) as { query: string; variables?: Record<string, unknown> };
      query = parsed.query;
      recorded.variables = parsed.variables ?? {};
    }
    Object.assign(recorded, summariseDocument(query));
    const variables = recorded.variables ?? ((recorded.multipart?.[0]?.value as { variables?: Record<string, unknown> })?.variables || {});
    const answer = answers[recorded.operation_name ?? ''];
    if (!answer) {
      reply(
        200,
        'application/json',
        JSON.stringify({ data: null, errors: [{ message: `the recording platform has no answer for ${recorded.operation_name}` }] }),
      );
      return;
    }
    const data = answer(variables, headers);
    reply(200, 'application/json', JSON.stringify(data instanceof GraphqlErrors ? { data: null, errors: data.errors } : { data }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    files,
    async waitFor(predicate) {
      for (;;) {
        const found = requests.find(predicate);
        if (found) return found;
        await new Promise<void>((resolve) => wake.push(resolve));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        wake = [];
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

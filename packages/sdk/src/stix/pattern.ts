// Building STIX patterns from observables, printed the way python-stix2's pattern classes
// print them (what pycti-based connectors such as MISP emit): object type unquoted, a path
// component single-quoted when it is not a bare identifier (stix2 quotes those with '-'),
// strings single-quoted with `\` → `\\` and `'` → `\'`, a string that is a STIX timestamp
// printed as t'...'. Every printed pattern parses with ./pattern-grammar.ts.
import { InputError } from '../errors/index.ts';
import { normalizeHashes } from './ids.ts';

export { type PatternParseResult, parseStixPattern, stixPatternProblems } from './pattern-grammar.ts';

/** A value on the right of a comparison. Strings that are STIX timestamps print as t'...'. */
export type PatternValue = string | number | boolean | { timestamp: string } | { hex: string } | { binary: string };

export type PatternOperator = '=' | '!=' | '>' | '<' | '>=' | '<=' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET' | 'IN';

export interface PatternPath {
  objectType: string;
  /** Property names and list indexes (`'*'` for any element). */
  steps: readonly (string | number)[];
}

export type PatternExpression =
  | { kind: 'comparison'; path: PatternPath; operator: PatternOperator; value: PatternValue | readonly PatternValue[]; negated?: boolean }
  | { kind: 'and' | 'or'; operands: readonly PatternExpression[] };

const OBJECT_TYPE = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/;

function patternInput(field: string, message: string): InputError {
  return new InputError('STIX_PATTERN_INPUT', `pattern ${field}: ${message}`, { details: { field } });
}

/** `path('file', 'hashes', 'SHA-256')` → the path `file:hashes.'SHA-256'`. */
export function path(objectType: string, ...steps: (string | number)[]): PatternPath {
  if (!OBJECT_TYPE.test(objectType)) throw patternInput('objectType', `"${objectType}" is not a STIX object type`);
  if (steps.length === 0 || typeof steps[0] !== 'string') throw patternInput('path', 'a path starts with a property name');
  return { objectType, steps };
}

/** A comparison `<path> <operator> <value>`; `negated` prints NOT before the operator. */
export function compare(target: PatternPath, operator: PatternOperator, value: PatternValue | readonly PatternValue[], negated = false): PatternExpression {
  if (operator === 'IN' && !Array.isArray(value)) throw patternInput('value', 'IN takes a list of values');
  if (operator !== 'IN' && Array.isArray(value)) throw patternInput('value', `${operator} takes a single value`);
  if (['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(operator) && typeof value !== 'string') throw patternInput('value', `${operator} takes a string`);
  return negated ? { kind: 'comparison', path: target, operator, value, negated } : { kind: 'comparison', path: target, operator, value };
}

/** `objectType:steps = value`, e.g. `equals('ipv4-addr', ['value'], '198.51.100.7')`. */
export function equals(objectType: string, steps: readonly (string | number)[], value: PatternValue): PatternExpression {
  return compare(path(objectType, ...steps), '=', value);
}

/** All operands must hold (printed with AND; OR operands are parenthesised). */
export function allOf(...operands: PatternExpression[]): PatternExpression {
  if (operands.length === 0) throw patternInput('operands', 'AND needs at least one comparison');
  return operands.length === 1 ? (operands[0] as PatternExpression) : { kind: 'and', operands };
}

/** Any operand may hold (printed with OR). */
export function anyOf(...operands: PatternExpression[]): PatternExpression {
  if (operands.length === 0) throw patternInput('operands', 'OR needs at least one comparison');
  return operands.length === 1 ? (operands[0] as PatternExpression) : { kind: 'or', operands };
}

/** A string constant with quotes and backslashes escaped (`it's` → `'it\'s'`). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** stix2 prints a string in the strict STIX timestamp form as a timestamp constant. */
function asTimestamp(value: string): string | null {
  const match = TIMESTAMP.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return null;
  const frac = (fraction ?? '').padEnd(6, '0').replace(/0+$/, '');
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${frac ? `.${frac}` : ''}Z`;
}

function printValue(value: PatternValue): string {
  if (typeof value === 'string') {
    const timestamp = asTimestamp(value);
    return timestamp ? `t'${timestamp}'` : quoteString(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw patternInput('value', `${value} is not a finite number`);
    const text = String(value);
    if (!text.includes('e')) return text;
    // The grammar has no exponent notation.
    return Number.isInteger(value) ? BigInt(value).toString() : value.toFixed(20).replace(/0+$/, '');
  }
  if ('timestamp' in value) {
    const timestamp = asTimestamp(value.timestamp);
    if (!timestamp) throw patternInput('value', `"${value.timestamp}" is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)`);
    return `t'${timestamp}'`;
  }
  if ('hex' in value) {
    if (!/^(?:[0-9A-Fa-f]{2})*$/.test(value.hex)) throw patternInput('value', 'a hex constant has an even number of hex digits');
    return `h'${value.hex}'`;
  }
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/.test(value.binary))
    throw patternInput('value', 'not a base64 constant');
  return `b'${value.binary}'`;
}

function printPath(target: PatternPath): string {
  let text = `${target.objectType}:`;
  target.steps.forEach((step, index) => {
    if (typeof step === 'number' || step === '*') {
      if (index === 0) throw patternInput('path', 'a path starts with a property name');
      if (typeof step === 'number' && !Number.isInteger(step)) throw patternInput('path', `list index ${step} is not an integer`);
      text += `[${step}]`;
      return;
    }
    const component = IDENTIFIER.test(step) ? step : quoteString(step);
    text += index === 0 ? component : `.${component}`;
  });
  return text;
}

function printExpression(expression: PatternExpression, parent: 'and' | 'or' | null): string {
  if (expression.kind === 'comparison') {
    const value = Array.isArray(expression.value)
      ? `(${(expression.value as readonly PatternValue[]).map(printValue).join(', ')})`
      : printValue(expression.value as PatternValue);
    return `${printPath(expression.path)} ${expression.negated ? 'NOT ' : ''}${expression.operator} ${value}`;
  }
  const text = expression.operands.map((operand) => printExpression(operand, expression.kind)).join(expression.kind === 'and' ? ' AND ' : ' OR ');
  // AND binds tighter than OR: an OR inside an AND needs parentheses.
  return parent === 'and' && expression.kind === 'or' ? `(${text})` : text;
}

/** One observation expression: `[<comparisons>]`. */
export function observationPattern(expression: PatternExpression): string {
  return `[${printExpression(expression, null)}]`;
}

/** Several observations joined with AND / OR / FOLLOWEDBY: `[a] OR [b]`. */
export function combineObservations(operator: 'AND' | 'OR' | 'FOLLOWEDBY', observations: readonly string[]): string {
  if (observations.length === 0) throw patternInput('observations', 'nothing to combine');
  return observations.length === 1 ? (observations[0] as string) : observations.map((item) => `(${item})`).join(` ${operator} `);
}

// ---- Comparisons for common observables ------------------------------------------------

/** `file:hashes.'SHA-256' = '…'`; the algorithm name is normalised (`sha256` → `SHA-256`). */
export function hashComparison(algorithm: string, value: string, objectType = 'file'): PatternExpression {
  const name = Object.keys(normalizeHashes({ [algorithm]: value }))[0] as string;
  return equals(objectType, ['hashes', name], value);
}

export interface NetworkTrafficPatternInput {
  srcValue?: string;
  dstValue?: string;
  srcPort?: number;
  dstPort?: number;
  /** Each protocol must be among the traffic's protocols (`protocols[*] = 'tcp'`). */
  protocols?: readonly string[];
}

/** Network traffic: `network-traffic:dst_ref.value = '…' AND network-traffic:dst_port = 443`. */
export function networkTrafficComparison(input: NetworkTrafficPatternInput): PatternExpression {
  const parts: PatternExpression[] = [];
  if (input.srcValue !== undefined) parts.push(equals('network-traffic', ['src_ref', 'value'], input.srcValue));
  if (input.dstValue !== undefined) parts.push(equals('network-traffic', ['dst_ref', 'value'], input.dstValue));
  for (const [key, port] of [
    ['src_port', input.srcPort],
    ['dst_port', input.dstPort],
  ] as const) {
    if (port === undefined) continue;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw patternInput(key, `${port} is not a port number (0-65535)`);
    parts.push(equals('network-traffic', [key], port));
  }
  for (const protocol of input.protocols ?? []) parts.push(equals('network-traffic', ['protocols', '*'], protocol.toLowerCase()));
  if (parts.length === 0) throw patternInput('network-traffic', 'give at least one of srcValue, dstValue, srcPort, dstPort, protocols');
  return allOf(...parts);
}

export interface EmailMessagePatternInput {
  subject?: string;
  /** Sender address: `email-message:from_ref.value`. */
  from?: string;
  /** Recipient address: `email-message:to_refs[*].value`. */
  to?: string;
}

export function emailMessageComparison(input: EmailMessagePatternInput): PatternExpression {
  const parts: PatternExpression[] = [];
  if (input.subject !== undefined) parts.push(equals('email-message', ['subject'], input.subject));
  if (input.from !== undefined) parts.push(equals('email-message', ['from_ref', 'value'], input.from));
  if (input.to !== undefined) parts.push(equals('email-message', ['to_refs', '*', 'value'], input.to));
  if (parts.length === 0) throw patternInput('email-message', 'give at least one of subject, from, to');
  return allOf(...parts);
}

/** Paths tried per observable type, in order (pycti-based MISP connector's table). */
const OBSERVABLE_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  file: [['name'], ['hashes', 'MD5'], ['hashes', 'SHA-1'], ['hashes', 'SHA-256']],
  'domain-name': [['value']],
  'email-addr': [['value']],
  hostname: [['value']],
  'ipv4-addr': [['value']],
  'ipv6-addr': [['value']],
  'mac-addr': [['value']],
  'phone-number': [['value']],
  text: [['value']],
  url: [['value']],
  'user-agent': [['value']],
  'cryptocurrency-wallet': [['value']],
  'email-message': [['subject']],
  'user-account': [['account_login']],
  'windows-registry-key': [['key']],
  mutex: [['name']],
  directory: [['path']],
  'autonomous-system': [['number']],
  'x509-certificate': [['issuer'], ['serial_number']],
};

function lookup(obj: Record<string, unknown>, steps: readonly string[]): unknown {
  let current: unknown = obj;
  for (const step of steps) {
    if (!current || typeof current !== 'object') return undefined;
    current =
      step === 'hashes'
        ? normalizeHashes(((current as Record<string, unknown>).hashes ?? {}) as Record<string, unknown>)
        : (current as Record<string, unknown>)[step];
  }
  return current;
}

/**
 * The equality comparisons that describe one observable (every applicable path whose value
 * is non-empty, joined with AND), or null when the type has no known path or no value.
 */
export function observableComparison(observable: { type: string } & Record<string, unknown>): PatternExpression | null {
  const paths = OBSERVABLE_PATHS[observable.type];
  if (!paths) return null;
  const parts: PatternExpression[] = [];
  for (const steps of paths) {
    const value = lookup(observable, steps);
    if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))) parts.push(equals(observable.type, steps, value));
  }
  return parts.length === 0 ? null : allOf(...parts);
}

/**
 * One observation over all the observables (MISP's rule: each observable's comparisons,
 * all joined with AND inside one pair of brackets); null when none yields a comparison.
 */
export function patternFromObservables(observables: readonly ({ type: string } & Record<string, unknown>)[]): string | null {
  const parts = observables.map(observableComparison).filter((part): part is PatternExpression => part !== null);
  if (parts.length === 0) return null;
  return observationPattern(allOf(...parts.flatMap((part) => (part.kind === 'and' ? part.operands : [part]))));
}

// Structured JSON logs with pycti's fields (sdk-protocol §g.2): one object per line on
// stderr with `timestamp` (UTC, 6-digit microseconds), `level`, `name`, `message`, and
// `attributes` when the call carried metadata; error lines carry `exc_info`.
import { Redactor } from './redact.ts';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogAttributes = Record<string, unknown>;

export interface Logger {
  readonly name: string;
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  /** `error` may carry the error itself; its stack becomes `exc_info`. */
  error(message: string, attributes?: LogAttributes & { error?: unknown }): void;
  /** A logger with another `name` sharing level, sink and redaction. */
  child(name: string): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  name: string;
  level?: LogLevel | string;
  /** Where lines go; defaults to stderr. Tests pass a collector. */
  sink?: (line: string) => void;
  redactor?: Redactor;
  /** false → pycti's plain `LEVEL:name:message` lines (OPENCTI_JSON_LOGGING=false). */
  json?: boolean;
  now?: () => Date;
}

const LOG_TAP = Symbol.for('opencti-ts.log-tap');

/** Parses a level name as pycti does (case-insensitive, WARN = WARNING); undefined if unknown. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const upper = value.trim().toUpperCase();
  if (upper === 'WARN') return 'WARNING';
  return (LOG_LEVELS as readonly string[]).includes(upper) ? (upper as LogLevel) : undefined;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (JS clocks have milliseconds: the last three digits are 0). */
export function pyTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(parseLogLevel(options.level ?? 'ERROR') ?? 'ERROR');
  const given = options.sink ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Whatever the sink, the test suite's secret scan (@opencti-ts/testing) sees every line.
  const sink = (line: string) => {
    (globalThis as { [LOG_TAP]?: (line: string) => void })[LOG_TAP]?.(line);
    given(line);
  };
  const redactor = options.redactor ?? new Redactor();
  const json = options.json ?? true;
  const now = options.now ?? (() => new Date());

  const make = (name: string): Logger => {
    const emit = (level: LogLevel, message: string, attributes?: LogAttributes & { error?: unknown }) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const { error, ...rest } = attributes ?? {};
      const hasAttributes = Object.keys(rest).length > 0;
      if (!json) {
        const lines = [`${level}:${name}:${redactor.redact(message)}`];
        if (level === 'ERROR' || level === 'CRITICAL') lines.push(redactor.redact(describeError(error)));
        sink(lines.join('\n'));
        return;
      }
      const record: Record<string, unknown> = { timestamp: pyTimestamp(now()), level, name, message };
      if (hasAttributes) record.attributes = rest;
      if (level === 'ERROR' || level === 'CRITICAL') record.exc_info = describeError(error);
      sink(JSON.stringify(redactor.redactValue(record)));
    };
    return {
      name,
      debug: (message, attributes) => emit('DEBUG', message, attributes),
      info: (message, attributes) => emit('INFO', message, attributes),
      warn: (message, attributes) => emit('WARNING', message, attributes),
      error: (message, attributes) => emit('ERROR', message, attributes),
      child: (childName) => make(childName),
      isLevelEnabled: (level) => LOG_LEVELS.indexOf(level) >= threshold,
    };
  };
  return make(options.name);
}

function describeError(error: unknown): string {
  if (error === undefined || error === null) return 'NoneType: None';
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `\nCaused by: ${describeError(error.cause)}` : '';
    return `${error.stack ?? `${error.name}: ${error.message}`}${cause}`;
  }
  return String(error);
}

/** A logger that drops everything (for pure code paths and tests that do not look). */
export const silentLogger: Logger = createLogger({ name: 'silent', level: 'CRITICAL', sink: () => {} });

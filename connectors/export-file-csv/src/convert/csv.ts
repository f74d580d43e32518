// The CSV format of the official export-file-csv connector (connectors.md §5.4), as pure
// functions: the column set of a list of rows, the rendering of one cell the way Python's
// `str()` and the connector's `_get_value` do it, and csv.writer's QUOTE_ALL records.
import { InputError } from '@opencti-ts/sdk/errors';

/** A row: pycti's dictionary for one entity (GraphQL node after `process_multiple_fields`). */
export type Row = Readonly<Record<string, unknown>>;

/** One CSV column: the header written, the row key it reads, and an optional sub-field. */
export interface Column {
  header: string;
  key: string;
  /** `representative` / `entity_type` for presentation columns, `<ALG>` for `hashes_<ALG>`. */
  sub?: { kind: 'representative' | 'entity_type' } | { kind: 'hash'; algorithm: string };
}

export const HASH_ALGORITHMS = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512', 'SSDEEP'] as const;

// UI presentation ids that read another key (connectors.md §5.4.1).
const PRESENTATION: Readonly<Record<string, Column>> = {
  fromName: { header: 'fromName', key: 'from', sub: { kind: 'representative' } },
  fromType: { header: 'fromType', key: 'from', sub: { kind: 'entity_type' } },
  toName: { header: 'toName', key: 'to', sub: { kind: 'representative' } },
  toType: { header: 'toType', key: 'to', sub: { kind: 'entity_type' } },
  creator: { header: 'creator', key: 'creators', sub: { kind: 'representative' } },
};

/** Python's default string order: by code point (not UTF-16 unit, not locale). */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const diff = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/**
 * The columns of an export from the union of the rows' keys and the optional
 * `visible_columns` of the list (newer platforms). No key at all gives no column.
 */
export function buildColumns(keys: Iterable<string>, visibleColumns?: readonly string[] | null): Column[] {
  const candidates = [...new Set(keys)].sort(compareCodePoints);
  const available = new Set(candidates);
  let columns: Column[] = [];
  if (visibleColumns && visibleColumns.length > 0) {
    const taken = new Set<string>();
    for (const id of visibleColumns) {
      const column = PRESENTATION[id] ?? { header: id, key: id };
      if (!available.has(column.key) || taken.has(id)) continue;
      taken.add(id);
      columns.push(column);
    }
  }
  if (columns.length === 0) columns = candidates.map((key) => ({ header: key, key }));
  if (columns.some((column) => column.key === 'hashes' && column.sub === undefined)) {
    for (const algorithm of HASH_ALGORITHMS) columns.push({ header: `hashes_${algorithm}`, key: 'hashes', sub: { kind: 'hash', algorithm } });
  }
  return columns;
}

/**
 * Python's `repr(float)`: the shortest round-trip digits (as JS), fixed notation with at
 * least one decimal between 1e-4 and 1e16, else `d.ddde±XX`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${body}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${integer}.${fraction === '' ? '0' : fraction}`;
}

/**
 * A JSON number as the Python connector prints it. The platform (Node) writes integral
 * numbers below 1e21 without a point, which Python reads as `int`; everything else is a
 * Python float.
 */
export function pythonNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return Object.is(value, -0) ? '0' : String(value);
  return pythonFloatRepr(value);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Python's `str()` of a scalar (the connector writes values through csv.writer). */
function scalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value);
  return '';
}

// Python's `",".join(...)` accepts strings only: anything else fails the whole row.
function joinable(item: unknown): string {
  if (typeof item === 'string') return item;
  throw new InputError('CSV_VALUE_NOT_JOINABLE', `a list mixes strings with a ${item === null ? 'null' : typeof item}`);
}

const LIST_ITEM_KEYS = ['name', 'definition', 'value', 'observable_value'] as const;
const OBJECT_KEYS = ['name', 'value', 'observable_value'] as const;

/** The official `_get_value`: lists joined with `,`, objects by their display value. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    const first = value[0];
    if (typeof first === 'string') return value.map(joinable).join(',');
    if (isRecord(first)) {
      const parts: string[] = [];
      for (const item of value) {
        if (!isRecord(item)) continue;
        const key = LIST_ITEM_KEYS.find((candidate) => candidate in item);
        if (key === undefined) continue;
        const inner = item[key];
        parts.push(inner === null || inner === undefined ? '' : joinable(inner));
      }
      return parts.join(',');
    }
    return '';
  }
  if (isRecord(value)) {
    const key = OBJECT_KEYS.find((candidate) => candidate in value);
    const inner = key === undefined ? undefined : value[key];
    return inner ? scalar(inner) : '';
  }
  return scalar(value);
}

function representative(value: unknown): string {
  if (isRecord(value) && isRecord(value.representative) && typeof value.representative.main === 'string') return value.representative.main;
  return renderValue(value);
}

/** One cell; a row whose rendering throws is dropped by the caller. */
export function renderCell(row: Row, column: Column): string {
  if (!(column.key in row)) return '';
  const value = row[column.key];
  const sub = column.sub;
  if (!sub) return renderValue(value);
  if (sub.kind === 'hash') {
    const hit = Array.isArray(value) ? value.find((item) => isRecord(item) && item.algorithm === sub.algorithm) : undefined;
    return isRecord(hit) ? scalar(hit.hash) : '';
  }
  const pick = (item: unknown) => (sub.kind === 'representative' ? representative(item) : isRecord(item) ? renderValue(item.entity_type) : '');
  if (Array.isArray(value))
    return value
      .filter((item) => item !== null && item !== undefined)
      .map(pick)
      .join(',');
  return value === null || value === undefined ? '' : pick(value);
}

export function renderRow(row: Row, columns: readonly Column[]): string[] {
  return columns.map((column) => renderCell(row, column));
}

/** csv.writer with QUOTE_ALL, doublequote, no escape char, `\r\n` after every record. */
export function csvRecord(fields: readonly string[], delimiter: string): string {
  return `${fields.map((field) => `"${field.replaceAll('"', '""')}"`).join(delimiter)}\r\n`;
}

/** Replaces lone surrogates (unencodable in UTF-8) the way Python's errors="replace" would. */
export function toWellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

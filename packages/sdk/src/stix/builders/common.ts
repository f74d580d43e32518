// Shared pieces of the STIX builders: input checks that fail with an InputError naming the
// field, timestamp formatting as stix2 serialises it, and the common properties.
import { InputError } from '../../errors/index.ts';

/** A STIX timestamp as text (RFC 3339; any offset is converted to Z) or a Date. */
export type TimestampInput = string | Date;

export interface ExternalReference {
  source_name: string;
  description?: string;
  url?: string;
  external_id?: string;
  hashes?: Record<string, string>;
}

export interface KillChainPhase {
  kill_chain_name: string;
  phase_name: string;
  /** OpenCTI's ordering of tactics (set by the MITRE connector). */
  x_opencti_order?: number;
}

/** Properties every builder accepts. Null/undefined values and empty lists are left out. */
export interface CommonOptions {
  /** Overrides the deterministic id (it must still be `<type>--<uuid>`). */
  id?: string;
  created_by_ref?: string;
  object_marking_refs?: readonly string[];
  labels?: readonly string[];
  /** 0-100. */
  confidence?: number;
  external_references?: readonly ExternalReference[];
  created?: TimestampInput;
  modified?: TimestampInput;
  revoked?: boolean;
  lang?: string;
  /** Extra custom properties (`x_...` names) copied as they are. */
  custom?: Record<string, unknown>;
}

export const STIX_ID = /^([a-z][a-z0-9-]*[a-z0-9])--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

export function inputError(type: string, field: string, message: string): InputError {
  return new InputError('STIX_BUILDER_INPUT', `${type}.${field}: ${message}`, { details: { type, field } });
}

/** A non-empty string (after trimming), else an InputError naming the field. */
export function requireText(type: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw inputError(type, field, 'must be a non-empty string');
  return value;
}

export function optionalText(type: string, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw inputError(type, field, 'must be a string');
  return value;
}

export function optionalTextList(type: string, field: string, value: readonly unknown[] | undefined | null): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw inputError(type, field, 'must be a list of strings');
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item === '') throw inputError(type, `${field}[${index}]`, 'must be a non-empty string');
  });
  return value.length === 0 ? undefined : [...(value as string[])];
}

export function optionalInteger(type: string, field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw inputError(type, field, `must be an integer from ${min} to ${max}`);
  return value;
}

export function optionalNumber(type: string, field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw inputError(type, field, `must be a number from ${min} to ${max}`);
  return value;
}

/** A STIX id, optionally of one of the given types. */
export function requireRef(type: string, field: string, value: unknown, allowed?: readonly string[]): string {
  if (typeof value !== 'string' || !STIX_ID.test(value)) throw inputError(type, field, 'must be a STIX id (<type>--<uuid>)');
  const prefix = value.slice(0, value.indexOf('--'));
  if (allowed && !allowed.includes(prefix)) throw inputError(type, field, `must reference ${allowed.join(' or ')}, not ${prefix}`);
  return value;
}

export function optionalRef(type: string, field: string, value: unknown, allowed?: readonly string[]): string | undefined {
  return value === undefined || value === null ? undefined : requireRef(type, field, value, allowed);
}

export function optionalRefs(type: string, field: string, value: readonly unknown[] | undefined | null, allowed?: readonly string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw inputError(type, field, 'must be a list of STIX ids');
  const refs = value.map((item, index) => requireRef(type, `${field}[${index}]`, item, allowed));
  return refs.length === 0 ? undefined : refs;
}

type Precision = 'any' | 'millisecond';

/**
 * A timestamp in stix2's serialised form: UTC with `Z`; `millisecond` precision (created,
 * modified) always prints three fraction digits, `any` prints the fraction only when it is
 * non-zero, without trailing zeros (up to microseconds).
 */
export function formatTimestamp(type: string, field: string, value: TimestampInput, precision: Precision = 'any'): string {
  let seconds: string;
  let fraction: string;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw inputError(type, field, 'is an invalid Date');
    const iso = value.toISOString();
    seconds = iso.slice(0, 19);
    fraction = iso.slice(20, 23);
  } else {
    const match = typeof value === 'string' ? RFC3339.exec(value) : null;
    if (!match) throw inputError(type, field, 'must be an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)');
    const [, year, month, day, hour, minute, second, frac = '', offset = 'Z'] = match;
    const parsed = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset.toUpperCase()}`);
    if (Number.isNaN(parsed.getTime()) || Number(month) > 12 || Number(day) > 31 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60)
      throw inputError(type, field, `"${value}" is not a valid date and time`);
    const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    if (check.getUTCDate() !== Number(day)) throw inputError(type, field, `"${value}" is not a valid date`);
    seconds =
      offset.toUpperCase() === 'Z' || offset === '+00:00' || offset === '-00:00'
        ? `${year}-${month}-${day}T${hour}:${minute}:${second}`
        : parsed.toISOString().slice(0, 19);
    fraction = frac.slice(0, 6);
  }
  if (precision === 'millisecond') return `${seconds}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
  const trimmed = fraction.replace(/0+$/, '');
  return `${seconds}${trimmed ? `.${trimmed}` : ''}Z`;
}

/**
 * The text pycti hashes for a timestamp given to `generate_id`: strings verbatim (sdk-protocol
 * f.2); a Date as Python's `isoformat()` of an aware UTC datetime (`+00:00`, microseconds
 * only when non-zero).
 */
export function idTimestamp(value: TimestampInput): string {
  if (typeof value === 'string') return value;
  const iso = value.toISOString();
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${millis === '000' ? '' : `.${millis}000`}+00:00`;
}

export function checkExternalReference(type: string, field: string, ref: ExternalReference): ExternalReference {
  if (!ref || typeof ref !== 'object') throw inputError(type, field, 'must be an object');
  const out: ExternalReference = { source_name: requireText(type, `${field}.source_name`, ref.source_name) };
  const description = optionalText(type, `${field}.description`, ref.description);
  const url = optionalText(type, `${field}.url`, ref.url);
  const externalId = optionalText(type, `${field}.external_id`, ref.external_id);
  if (description !== undefined) out.description = description;
  if (url !== undefined) out.url = url;
  if (externalId !== undefined) out.external_id = externalId;
  if (ref.hashes !== undefined && Object.keys(ref.hashes).length > 0) out.hashes = { ...ref.hashes };
  return out;
}

export function checkKillChainPhase(type: string, field: string, phase: KillChainPhase): KillChainPhase {
  if (!phase || typeof phase !== 'object') throw inputError(type, field, 'must be an object');
  const out: KillChainPhase = {
    kill_chain_name: requireText(type, `${field}.kill_chain_name`, phase.kill_chain_name),
    phase_name: requireText(type, `${field}.phase_name`, phase.phase_name),
  };
  const order = optionalInteger(type, `${field}.x_opencti_order`, phase.x_opencti_order, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (order !== undefined) out.x_opencti_order = order;
  return out;
}

const CUSTOM_NAME = /^[a-z][a-z0-9_]{2,249}$/;

/** Custom properties: names as STIX allows them, values JSON (null dropped). */
export function checkCustom(type: string, custom: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom ?? {})) {
    if (!CUSTOM_NAME.test(key)) throw inputError(type, key, 'custom property names are 3-250 lower-case ASCII letters, digits or "_"');
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/** Drops undefined/null values and empty lists, keeping the key order given. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out as T;
}

// Cyber observable (SCO) builders: stix2 ids (ids.ts), `spec_version: "2.1"`, no timestamps,
// and the custom properties pycti-based connectors put on observables (sdk-protocol §h,
// connectors.md 1.6.8): `x_opencti_score`, `x_opencti_description`, `x_opencti_created_by_ref`
// (the author; SCOs have no standard `created_by_ref`), `labels`, `external_references`.
import { normalizeHashes, requireId } from '../ids.ts';
import {
  type CommonOptions,
  checkCustom,
  checkExternalReference,
  compact,
  type ExternalReference,
  formatTimestamp,
  inputError,
  optionalInteger,
  optionalRef,
  optionalRefs,
  optionalText,
  optionalTextList,
  requireRef,
  requireText,
  type TimestampInput,
} from './common.ts';

export interface ObservableOptions extends Pick<CommonOptions, 'id' | 'created_by_ref' | 'object_marking_refs' | 'labels' | 'external_references' | 'custom'> {
  /** OpenCTI score, 0-100. */
  x_opencti_score?: number;
  /** OpenCTI's description of the observable (SCOs have no `description`). */
  x_opencti_description?: string;
}

// A type alias (not an interface) so outputs are assignable to Record<string, unknown>.
export type ObservableCommon<T extends string> = {
  type: T;
  spec_version: '2.1';
  id: string;
  object_marking_refs?: string[];
  x_opencti_score?: number;
  x_opencti_description?: string;
  x_opencti_created_by_ref?: string;
  labels?: string[];
  external_references?: ExternalReference[];
  defanged?: boolean;
  [custom: `x_${string}`]: unknown;
};

/** Hash lengths stix2 checks (hex digits) for the algorithms it knows. */
const HASH_LENGTHS: Readonly<Record<string, number>> = { MD5: 32, 'SHA-1': 40, 'SHA-256': 64, 'SHA-512': 128, 'SHA3-256': 64, 'SHA3-512': 128 };

/** Hash names in their STIX spelling; known algorithms must be hex of the right length. */
export function checkHashes(type: string, hashes: Record<string, string> | undefined): Record<string, string> | undefined {
  if (hashes === undefined || hashes === null) return undefined;
  const normalized = normalizeHashes(hashes) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(normalized)) {
    if (typeof value !== 'string' || value === '') throw inputError(type, `hashes.${name}`, 'must be a non-empty string');
    const length = HASH_LENGTHS[name];
    if (length !== undefined && (value.length !== length || !/^[0-9a-fA-F]+$/.test(value)))
      throw inputError(type, `hashes.${name}`, `must be ${length} hexadecimal digits`);
    out[name] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Builds any observable type: `props` are its STIX properties; the id is computed from them. */
export function observable<T extends string, P extends Record<string, unknown>>(type: T, props: P, options: ObservableOptions = {}): ObservableCommon<T> & P {
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(type)) throw inputError(type, 'type', 'is not a STIX type name');
  const body = compact({ ...props });
  const common = compact({
    object_marking_refs: optionalRefs(type, 'object_marking_refs', options.object_marking_refs, ['marking-definition']),
    x_opencti_score: optionalInteger(type, 'x_opencti_score', options.x_opencti_score, 0, 100),
    x_opencti_description: optionalText(type, 'x_opencti_description', options.x_opencti_description),
    x_opencti_created_by_ref: optionalRef(type, 'created_by_ref', options.created_by_ref, ['identity']),
    labels: optionalTextList(type, 'labels', options.labels),
    external_references: options.external_references?.map((ref, index) => checkExternalReference(type, `external_references[${index}]`, ref)),
  });
  const id = options.id !== undefined ? requireRef(type, 'id', options.id, [type]) : requireId({ type, ...body });
  return { type, spec_version: '2.1', id, ...body, ...common, ...checkCustom(type, options.custom) } as unknown as ObservableCommon<T> & P;
}

/** Observables identified by a single `value` (STIX and OpenCTI custom types). */
export type ValueObservableType =
  | 'ipv4-addr'
  | 'ipv6-addr'
  | 'domain-name'
  | 'url'
  | 'email-addr'
  | 'mac-addr'
  | 'hostname'
  | 'text'
  | 'user-agent'
  | 'cryptocurrency-wallet'
  | 'phone-number'
  | 'credential'
  | 'tracking-number'
  | 'cryptographic-key';

export function valueObservable<T extends ValueObservableType>(type: T, value: string, options: ObservableOptions = {}) {
  return observable(type, { value: requireText(type, 'value', value) }, options);
}

export const ipv4Addr = (value: string, options?: ObservableOptions) => valueObservable('ipv4-addr', value, options);
export const ipv6Addr = (value: string, options?: ObservableOptions) => valueObservable('ipv6-addr', value, options);
export const domainName = (value: string, options?: ObservableOptions) => valueObservable('domain-name', value, options);
export const url = (value: string, options?: ObservableOptions) => valueObservable('url', value, options);
export const emailAddr = (value: string, options?: ObservableOptions & { display_name?: string }) =>
  observable(
    'email-addr',
    { value: requireText('email-addr', 'value', value), display_name: optionalText('email-addr', 'display_name', options?.display_name) },
    options,
  );
export const macAddr = (value: string, options?: ObservableOptions) => valueObservable('mac-addr', value, options);
export const hostname = (value: string, options?: ObservableOptions) => valueObservable('hostname', value, options);
export const text = (value: string, options?: ObservableOptions) => valueObservable('text', value, options);
export const userAgent = (value: string, options?: ObservableOptions) => valueObservable('user-agent', value, options);
export const cryptocurrencyWallet = (value: string, options?: ObservableOptions) => valueObservable('cryptocurrency-wallet', value, options);
export const phoneNumber = (value: string, options?: ObservableOptions) => valueObservable('phone-number', value, options);
export const credential = (value: string, options?: ObservableOptions) => valueObservable('credential', value, options);
export const trackingNumber = (value: string, options?: ObservableOptions) => valueObservable('tracking-number', value, options);
export const cryptographicKey = (value: string, options?: ObservableOptions) => valueObservable('cryptographic-key', value, options);

export function autonomousSystem(number: number, options: ObservableOptions & { name?: string; rir?: string } = {}) {
  const type = 'autonomous-system';
  return observable(
    type,
    {
      number: optionalInteger(type, 'number', number, 0, 4294967295) as number,
      name: optionalText(type, 'name', options.name),
      rir: optionalText(type, 'rir', options.rir),
    },
    options,
  );
}

export const directory = (dirPath: string, options?: ObservableOptions) =>
  observable('directory', { path: requireText('directory', 'path', dirPath) }, options);
export const mutex = (name: string, options?: ObservableOptions) => observable('mutex', { name: requireText('mutex', 'name', name) }, options);

export interface FileInput {
  name?: string;
  hashes?: Record<string, string>;
  size?: number;
  mime_type?: string;
  parent_directory_ref?: string;
}

export function file(input: FileInput, options?: ObservableOptions) {
  const type = 'file';
  const hashes = checkHashes(type, input.hashes);
  const name = optionalText(type, 'name', input.name);
  if (hashes === undefined && (name === undefined || name === '')) throw inputError(type, 'name', 'a file needs a name or hashes');
  return observable(
    type,
    {
      hashes,
      name,
      size: optionalInteger(type, 'size', input.size, 0, Number.MAX_SAFE_INTEGER),
      mime_type: optionalText(type, 'mime_type', input.mime_type),
      parent_directory_ref: optionalRef(type, 'parent_directory_ref', input.parent_directory_ref, ['directory']),
    },
    options,
  );
}

export interface ArtifactInput {
  payload_bin?: string;
  url?: string;
  hashes?: Record<string, string>;
  mime_type?: string;
}

export function artifact(input: ArtifactInput, options?: ObservableOptions) {
  const type = 'artifact';
  const hashes = checkHashes(type, input.hashes);
  if (input.payload_bin === undefined && input.url === undefined) throw inputError(type, 'payload_bin', 'an artifact needs payload_bin or url');
  if (input.payload_bin !== undefined && input.url !== undefined) throw inputError(type, 'url', 'payload_bin and url are mutually exclusive');
  if (input.url !== undefined && hashes === undefined) throw inputError(type, 'hashes', 'an artifact given by url needs hashes');
  return observable(
    type,
    {
      mime_type: optionalText(type, 'mime_type', input.mime_type),
      payload_bin: optionalText(type, 'payload_bin', input.payload_bin),
      url: optionalText(type, 'url', input.url),
      hashes,
    },
    options,
  );
}

export interface EmailMessageInput {
  subject?: string;
  from_ref?: string;
  to_refs?: readonly string[];
  cc_refs?: readonly string[];
  body?: string;
  date?: TimestampInput;
  message_id?: string;
  /** stix2 requires it; default false. */
  is_multipart?: boolean;
}

export function emailMessage(input: EmailMessageInput, options?: ObservableOptions) {
  const type = 'email-message';
  return observable(
    type,
    {
      is_multipart: input.is_multipart ?? false,
      subject: optionalText(type, 'subject', input.subject),
      from_ref: optionalRef(type, 'from_ref', input.from_ref, ['email-addr']),
      to_refs: optionalRefs(type, 'to_refs', input.to_refs, ['email-addr']),
      cc_refs: optionalRefs(type, 'cc_refs', input.cc_refs, ['email-addr']),
      date: input.date === undefined ? undefined : formatTimestamp(type, 'date', input.date),
      message_id: optionalText(type, 'message_id', input.message_id),
      body: optionalText(type, 'body', input.body),
    },
    options,
  );
}

export interface NetworkTrafficInput {
  protocols: readonly string[];
  src_ref?: string;
  dst_ref?: string;
  src_port?: number;
  dst_port?: number;
  start?: TimestampInput;
  end?: TimestampInput;
  is_active?: boolean;
}

const ADDRESS_TYPES = ['ipv4-addr', 'ipv6-addr', 'mac-addr', 'domain-name'];

export function networkTraffic(input: NetworkTrafficInput, options?: ObservableOptions) {
  const type = 'network-traffic';
  const protocols = optionalTextList(type, 'protocols', input.protocols);
  if (!protocols) throw inputError(type, 'protocols', 'must list at least one protocol');
  const srcRef = optionalRef(type, 'src_ref', input.src_ref, ADDRESS_TYPES);
  const dstRef = optionalRef(type, 'dst_ref', input.dst_ref, ADDRESS_TYPES);
  if (srcRef === undefined && dstRef === undefined) throw inputError(type, 'src_ref', 'network traffic needs src_ref or dst_ref');
  return observable(
    type,
    {
      start: input.start === undefined ? undefined : formatTimestamp(type, 'start', input.start),
      end: input.end === undefined ? undefined : formatTimestamp(type, 'end', input.end),
      is_active: input.is_active,
      src_ref: srcRef,
      dst_ref: dstRef,
      src_port: optionalInteger(type, 'src_port', input.src_port, 0, 65535),
      dst_port: optionalInteger(type, 'dst_port', input.dst_port, 0, 65535),
      protocols: protocols.map((protocol) => protocol.toLowerCase()),
    },
    options,
  );
}

export interface ProcessInput {
  pid?: number;
  command_line?: string;
  cwd?: string;
  created_time?: TimestampInput;
}

/** A process has no id-contributing property: its id is random (as in stix2). */
export function processObservable(input: ProcessInput, options?: ObservableOptions) {
  const type = 'process';
  const props = compact({
    pid: optionalInteger(type, 'pid', input.pid, 0, Number.MAX_SAFE_INTEGER),
    command_line: optionalText(type, 'command_line', input.command_line),
    cwd: optionalText(type, 'cwd', input.cwd),
    created_time: input.created_time === undefined ? undefined : formatTimestamp(type, 'created_time', input.created_time),
  });
  if (Object.keys(props).length === 0) throw inputError(type, 'pid', 'a process needs at least one property');
  return observable(type, props, options);
}

export interface SoftwareInput {
  name: string;
  cpe?: string;
  swid?: string;
  vendor?: string;
  version?: string;
  languages?: readonly string[];
}

export function software(input: SoftwareInput, options?: ObservableOptions) {
  const type = 'software';
  return observable(
    type,
    {
      name: requireText(type, 'name', input.name),
      cpe: optionalText(type, 'cpe', input.cpe),
      swid: optionalText(type, 'swid', input.swid),
      languages: optionalTextList(type, 'languages', input.languages),
      vendor: optionalText(type, 'vendor', input.vendor),
      version: optionalText(type, 'version', input.version),
    },
    options,
  );
}

export interface UserAccountInput {
  user_id?: string;
  account_login?: string;
  account_type?: string;
  display_name?: string;
}

export function userAccount(input: UserAccountInput, options?: ObservableOptions) {
  const type = 'user-account';
  const props = compact({
    user_id: optionalText(type, 'user_id', input.user_id),
    account_login: optionalText(type, 'account_login', input.account_login),
    account_type: optionalText(type, 'account_type', input.account_type),
    display_name: optionalText(type, 'display_name', input.display_name),
  });
  if (props.user_id === undefined && props.account_login === undefined)
    throw inputError(type, 'account_login', 'a user account needs user_id or account_login');
  return observable(type, props, options);
}

export interface RegistryValue {
  name?: string;
  data?: string;
  data_type?: string;
}

export function windowsRegistryKey(input: { key: string; values?: readonly RegistryValue[] }, options?: ObservableOptions) {
  const type = 'windows-registry-key';
  return observable(type, { key: requireText(type, 'key', input.key), values: input.values?.map((value) => compact({ ...value })) }, options);
}

export interface X509CertificateInput {
  hashes?: Record<string, string>;
  serial_number?: string;
  issuer?: string;
  subject?: string;
  validity_not_before?: TimestampInput;
  validity_not_after?: TimestampInput;
  is_self_signed?: boolean;
}

export function x509Certificate(input: X509CertificateInput, options?: ObservableOptions) {
  const type = 'x509-certificate';
  const props = compact({
    is_self_signed: input.is_self_signed,
    hashes: checkHashes(type, input.hashes),
    serial_number: optionalText(type, 'serial_number', input.serial_number),
    issuer: optionalText(type, 'issuer', input.issuer),
    validity_not_before: input.validity_not_before === undefined ? undefined : formatTimestamp(type, 'validity_not_before', input.validity_not_before),
    validity_not_after: input.validity_not_after === undefined ? undefined : formatTimestamp(type, 'validity_not_after', input.validity_not_after),
    subject: optionalText(type, 'subject', input.subject),
  });
  if (Object.keys(props).length === 0) throw inputError(type, 'hashes', 'a certificate needs at least one property');
  return observable(type, props, options);
}

export const paymentCard = (cardNumber: string, options?: ObservableOptions & { holder_name?: string; expiration_date?: string; cvv?: number }) =>
  observable(
    'payment-card',
    {
      card_number: requireText('payment-card', 'card_number', cardNumber),
      holder_name: optionalText('payment-card', 'holder_name', options?.holder_name),
      expiration_date: optionalText('payment-card', 'expiration_date', options?.expiration_date),
      cvv: options?.cvv,
    },
    options,
  );
export const bankAccount = (iban: string, options?: ObservableOptions & { bic?: string; account_number?: string }) =>
  observable(
    'bank-account',
    {
      iban: requireText('bank-account', 'iban', iban),
      bic: optionalText('bank-account', 'bic', options?.bic),
      account_number: optionalText('bank-account', 'account_number', options?.account_number),
    },
    options,
  );
export const mediaContent = (contentUrl: string, options?: ObservableOptions & { title?: string; content?: string; media_category?: string }) =>
  observable(
    'media-content',
    {
      url: requireText('media-content', 'url', contentUrl),
      title: optionalText('media-content', 'title', options?.title),
      content: optionalText('media-content', 'content', options?.content),
      media_category: optionalText('media-content', 'media_category', options?.media_category),
    },
    options,
  );
export const persona = (personaName: string, personaType: string, options?: ObservableOptions) =>
  observable(
    'persona',
    { persona_name: requireText('persona', 'persona_name', personaName), persona_type: requireText('persona', 'persona_type', personaType) },
    options,
  );

import { createHash, randomUUID } from 'node:crypto';

/** The STIX 2.1 SCO namespace; pycti uses it for SDOs and SROs too. */
export const STIX_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
const namespaceBytes = Buffer.from(STIX_NAMESPACE.replaceAll('-', ''), 'hex');

/** RFC 9562 UUIDv5 of the UTF-8 bytes of `name` in the STIX namespace. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidV4(): string {
  return randomUUID();
}

// The thin I/O edge: download one collection through the SDK's HTTP client (timeouts,
// retries, proxies, size cap, file:// mirrors) with conditional requests, and stream-parse
// it into objects. Nothing here knows about STIX semantics.
import type { HttpClient } from '@opencti-ts/sdk/api';
import { readStixBundle } from '@opencti-ts/sdk/stix';
import type { StixObject } from './convert/collection.ts';

export interface Validators {
  etag?: string | undefined;
  last_modified?: string | undefined;
}

export type Download = { changed: false } | { changed: true; objects: StixObject[]; validators: Validators };

export async function downloadCollection(
  http: HttpClient,
  url: string,
  previous: Validators | undefined,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Download> {
  const response = await http.getStream(url, {
    maxBytes,
    ...(previous?.etag ? { etag: previous.etag } : {}),
    ...(previous?.last_modified ? { lastModified: previous.last_modified } : {}),
    ...(signal ? { signal } : {}),
  });
  if (response.notModified) return { changed: false };
  const objects: StixObject[] = [];
  for await (const object of readStixBundle(response.value)) objects.push(object as StixObject);
  return { changed: true, objects, validators: { etag: response.etag, last_modified: response.lastModified } };
}

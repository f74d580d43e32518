// pycti's OpenCTIStix2Splitter (sdk-protocol §e): one output bundle per object, ordered so
// that what an object references is sent before it, with refs that cannot be imported cut.
//
// Output is identical to pycti 6.8.10 (every run of shared/data/vectors/splitter), including
// its quirks: refs are followed in each object's key order, `nb_deps` counts a dependency
// once per path, cycles are cut where the DFS meets them, and an object first reached
// through an internal id (`x_opencti_id` / OpenCTI extension id) is emitted twice (§e.3).
//
// Deliberate deviations, allowed by §h.5 and invisible in the output (splitter.test.ts
// compares this walk with a recursive transcription of pycti on thousands of random graphs):
// - pycti recurses; this walks an explicit stack of frames, so a 100k-deep chain of refs
//   works (pycti stops near Python's ~1000 recursion limit). A frame reads each key's
//   value only when it reaches it, so when the DFS comes back to an object that is still
//   being walked higher up (a cycle through a third object), the inner and outer walks
//   see and overwrite each other's edits exactly as pycti's nested calls do.
// - pycti's `path`, `cache_refs` and keep-lists are Python lists (linear membership tests,
//   O(k²) for a k-long `_refs` list); here the path is a flag per id and the lists get a
//   Set once longer than a few entries: same answers, linear time.
// - Refs to objects absent or already visited are counted in place instead of through a
//   call that returns at once; external references and kill-chain phases are compared by
//   the text their id hashes, not by the id (same equality, no SHA-1).
// - Inputs pycti crashes on (a sighting without `where_sighted_refs`, a relationship
//   without `source_ref`, a non-string ref) are handled: the missing end counts as null,
//   a non-string ref is refused like an unsupported one.
import { InputError } from '../errors/index.ts';
import { canonicalJson } from './canonical.ts';

/**
 * ids.ts's OPENCTI_SDO_EXTENSION (the test checks they are equal). Not imported: ids.ts
 * loads node:crypto (~6 MiB RSS), which splitting never needs.
 */
const OPENCTI_EXTENSION = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

/** A STIX object as the splitter sees it: a JSON object with a string `id` and `type`. */
export type StixObject = { id: string; type: string } & Record<string, unknown>;

/** A STIX object after splitting: it carries pycti's dependency weight. */
export type SplitObject = StixObject & { nb_deps: number };

/** One output bundle (the envelope of §e.1, keys in pycti's order). */
export interface SplitBundle {
  type: 'bundle';
  id: string;
  spec_version: '2.1';
  /** The object's `nb_deps` (pycti's name; not a sequence number). */
  x_opencti_seq: number;
  objects: [SplitObject];
  x_opencti_event_version?: string | number;
}

export interface SplitResult {
  /** Number of bundles, i.e. the expectations to add to the work. */
  expectations: number;
  /** Objects dropped: unsupported types, relationships or sightings missing an end. */
  incompatible: SplitObject[];
  bundles: SplitBundle[];
}

export interface SplitOptions {
  /** pycti's `cleanup_inconsistent_bundle`: also cut refs to objects absent from the input. */
  cleanupInconsistentBundle?: boolean;
  /** Added to every bundle as `x_opencti_event_version` when given. */
  eventVersion?: string | number | null;
  /**
   * The input bundle's id, copied into every output bundle. A function is called once the
   * input is consumed (a streamed bundle may give its id after its objects). Missing: a
   * random `bundle--<uuid4>`, as pycti does.
   */
  bundleId?: string | (() => string | undefined) | undefined;
}

const SUPPORTED_TYPES: ReadonlySet<string> = new Set([
  // meta
  'label',
  'vocabulary',
  'kill-chain-phase',
  // core
  'attack-pattern',
  'campaign',
  'case-incident',
  'x-opencti-case-incident',
  'case-rfi',
  'x-opencti-case-rfi',
  'case-rft',
  'x-opencti-case-rft',
  'channel',
  'course-of-action',
  'data-component',
  'x-mitre-data-component',
  'data-source',
  'x-mitre-data-source',
  'event',
  'external-reference',
  'feedback',
  'x-opencti-feedback',
  'grouping',
  'identity',
  'incident',
  'indicator',
  'infrastructure',
  'intrusion-set',
  'language',
  'location',
  'malware',
  'malware-analysis',
  'marking-definition',
  'narrative',
  'note',
  'observed-data',
  'opinion',
  'report',
  'task',
  'x-opencti-task',
  'threat-actor',
  'tool',
  'vulnerability',
  'security-coverage',
  // internal
  'user',
  'group',
  'capability',
  'role',
  'settings',
  'notification',
  'work',
  'trash',
  'draftworkspace',
  'playbook',
  'deleteoperation',
  'workspace',
  'publicdashboard',
  // observables
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'email-mime-part-type',
  'artifact',
  'file',
  'x509-certificate',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'process',
  'software',
  'url',
  'user-account',
  'windows-registry-key',
  'windows-registry-value-type',
  'hostname',
  'cryptographic-key',
  'cryptocurrency-wallet',
  'text',
  'user-agent',
  'bank-account',
  'phone-number',
  'credential',
  'tracking-number',
  'payment-card',
  'media-content',
  'simple-observable',
  'persona',
  'ssh-key',
  // relationships
  'relationship',
  'sighting',
  'pir',
]);

/** §e.2: an id without `--` (an OpenCTI internal id) or whose type prefix OpenCTI imports. */
export function isSplitterSupportedId(id: string): boolean {
  const separator = id.indexOf('--');
  return separator === -1 || SUPPORTED_TYPES.has(id.slice(0, separator));
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** The internal ids an object is also known by (truthy `x_opencti_id`, then the extension id). */
function internalIds(item: Record<string, unknown>): string[] {
  const ids: string[] = [];
  if (item.x_opencti_id) ids.push(item.x_opencti_id as string);
  const extensions = item.extensions;
  if (isRecord(extensions)) {
    const opencti = extensions[OPENCTI_EXTENSION];
    if (isRecord(opencti) && opencti.id) ids.push(opencti.id as string);
  }
  return ids;
}

/**
 * The identity of an external reference as pycti dedupes it (its generated id, §f.3), or
 * null when it has none (neither a url nor source_name + external_id). Keys are equal
 * exactly when the canonical texts the ids hash are equal, without paying for the SHA-1.
 */
function externalReferenceKey(reference: unknown): string | null {
  if (!isRecord(reference)) return null;
  const url = reference.url;
  if (typeof url === 'string') return `u${url}`;
  if (isSet(url)) return canonicalJson({ url });
  if (isSet(reference.source_name) && isSet(reference.external_id))
    return canonicalJson({ source_name: reference.source_name, external_id: reference.external_id });
  return null;
}

function killChainPhaseKey(phase: unknown): string | null {
  if (!isRecord(phase)) return null;
  const phaseName = phase.phase_name;
  const killChainName = phase.kill_chain_name;
  // The usual case without building the canonical text: JSON.stringify(name) ends at its
  // first unescaped quote, so the pair is recovered from the key (and never starts with `{`).
  if (typeof phaseName === 'string' && typeof killChainName === 'string') return `${JSON.stringify(killChainName)}${phaseName}`;
  return canonicalJson({ phase_name: phase.phase_name ?? null, kill_chain_name: phase.kill_chain_name ?? null });
}

/** Lists up to this long are searched directly; longer ones get a Set beside them. */
const SCAN_LIMIT = 8;

/** Whether `ids` (with its Set once long) holds `id`. */
const listHas = (ids: readonly string[], set: Set<string> | null, id: string): boolean => (set === null ? ids.includes(id) : set.has(id));

/**
 * Keeps the first element of each identity, drops those without one; order kept. The
 * list itself is returned when nothing is dropped (no copy: the walk allocates little).
 */
function dedupeBy(list: unknown, keyOf: (element: unknown) => string | null): unknown {
  if (!Array.isArray(list)) return list;
  if (list.length === 1) return keyOf(list[0]) === null ? [] : list;
  const seen: string[] = [];
  let set: Set<string> | null = null;
  let kept: unknown[] | null = null;
  for (let index = 0; index < list.length; index += 1) {
    const element = list[index];
    const key = keyOf(element);
    const keep = key !== null && !listHas(seen, set, key);
    if (keep) {
      seen.push(key);
      if (set !== null) set.add(key);
      else if (seen.length > SCAN_LIMIT) set = new Set(seen);
    }
    if (kept === null && !keep) kept = list.slice(0, index);
    else if (kept !== null && keep) kept.push(element);
  }
  return kept ?? list;
}

/** Everything the walk knows about one id (one Map lookup answers every question). */
interface Node {
  /** The object indexed under this id (the last one given, §e.3), if any. */
  item: Record<string, unknown> | undefined;
  /** The object recorded as visited under this id. */
  done: Record<string, unknown> | undefined;
  /** pycti's `cache_refs[id]`: the refs accepted from this id; null until first visited. */
  refs: string[] | null;
  refSet: Set<string> | null;
  /** On the current DFS path (pycti's `parent_acc`). */
  onPath: boolean;
  supported: boolean;
}

const S = 115; // 's'
const F = 102; // 'f'

/**
 * Collects the input, then walks it (pycti's `split_bundle_with_expectations`). The DFS
 * stack is a set of parallel arrays reused for every root: each open frame is pycti's
 * `enlist_element` call, with its loop positions.
 */
class Splitter {
  private readonly nodes = new Map<string, Node>();
  private readonly roots: Node[] = [];
  private readonly rootIds: string[] = [];
  private readonly elements: Record<string, unknown>[] = [];
  private readonly incompatible: Record<string, unknown>[] = [];
  /** The internal ids of the objects that have some (read once, when indexing). */
  private readonly internal = new Map<Record<string, unknown>, string[]>();
  private readonly cleanup: boolean;

  // The stack, one slot per open frame (`top` is the innermost).
  private top = -1;
  private readonly fId: string[] = [];
  private readonly fNode: Node[] = [];
  private readonly fItem: Record<string, unknown>[] = [];
  private readonly fKeys: string[][] = [];
  private readonly fKeyIndex: number[] = [];
  private readonly fDeps: number[] = [];
  /** The `_refs` list being iterated (as read when its key was reached), or null. */
  private readonly fList: (unknown[] | null)[] = [];
  private readonly fListIndex: number[] = [];
  private readonly fKeep: string[][] = [];
  private readonly fKeepSet: (Set<string> | null)[] = [];
  /** The node of the ref the frame was entered through (on the path while it is open). */
  private readonly fVia: (Node | null)[] = [];

  // The ref `advance` asks to visit next.
  private childId = '';
  private childNode: Node | null = null;

  constructor(cleanup: boolean) {
    this.cleanup = cleanup;
  }

  // The ids looked up last, most recent first: most refs of a bundle name the same author
  // and marking, and comparing with a few strings is cheaper than a Map lookup.
  private readonly recentIds: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  private readonly recentNodes: (Node | null)[] = [null, null, null, null];

  private node(id: string): Node {
    const ids = this.recentIds;
    const nodes = this.recentNodes;
    for (let slot = 0; slot < ids.length; slot += 1) {
      if (ids[slot] === id) {
        const node = nodes[slot]!;
        // Move to front.
        for (let from = slot; from > 0; from -= 1) {
          ids[from] = ids[from - 1]!;
          nodes[from] = nodes[from - 1]!;
        }
        ids[0] = id;
        nodes[0] = node;
        return node;
      }
    }
    let node = this.nodes.get(id);
    if (node === undefined) {
      node = { item: undefined, done: undefined, refs: null, refSet: null, onPath: false, supported: isSplitterSupportedId(id) };
      this.nodes.set(id, node);
    }
    for (let from = ids.length - 1; from > 0; from -= 1) {
      ids[from] = ids[from - 1]!;
      nodes[from] = nodes[from - 1]!;
    }
    ids[0] = id;
    nodes[0] = node;
    return node;
  }

  add(value: unknown): void {
    const item = asStixObject(value, this.roots.length);
    // Ids are mostly distinct here: straight to the Map, past the recent-ids cache.
    let node = this.nodes.get(item.id);
    if (node === undefined) {
      node = { item, done: undefined, refs: null, refSet: null, onPath: false, supported: isSplitterSupportedId(item.id) };
      this.nodes.set(item.id, node);
    } else node.item = item;
    this.roots.push(node);
    this.rootIds.push(item.id);
    if (item.x_opencti_id !== undefined || item.extensions !== undefined) {
      const ids = internalIds(item);
      if (ids.length > 0) this.internal.set(item, ids);
      for (const internalId of ids) this.node(internalId).item = item;
    }
  }

  run(): { elements: SplitObject[]; incompatible: SplitObject[] } {
    for (let index = 0; index < this.roots.length; index += 1) this.visit(this.rootIds[index]!, this.roots[index]!);
    // Array.prototype.sort is stable: ties keep the visiting order, as Python's sort does.
    const elements = (this.elements as SplitObject[]).sort((a, b) => a.nb_deps - b.nb_deps);
    return { elements, incompatible: this.incompatible as SplitObject[] };
  }

  /** pycti's acceptance test for a ref of the frame's object: its node, or null. */
  private accept(ref: unknown, frame: number): Node | null {
    if (typeof ref !== 'string') return null;
    const node = this.node(ref);
    const id = this.fId[frame]!;
    if (!node.supported || node.onPath || ref === id || (this.cleanup && node.item === undefined)) return null;
    if (node.refs !== null && listHas(node.refs, node.refSet, id)) return null;
    const from = this.fNode[frame]!;
    // pycti appends to cache_refs unconditionally; a repeat changes no membership answer.
    if (from.refSet !== null) from.refSet.add(ref);
    else if (!from.refs!.includes(ref)) {
      from.refs!.push(ref);
      if (from.refs!.length > SCAN_LIMIT) from.refSet = new Set(from.refs);
    }
    return node;
  }

  /** Opens a frame for `node` (which is indexed and not visited yet). */
  private open(id: string, node: Node, item: Record<string, unknown>, via: Node | null): void {
    if (node.refs === null) node.refs = [];
    if (via !== null) via.onPath = true;
    const top = ++this.top;
    this.fId[top] = id;
    this.fNode[top] = node;
    this.fItem[top] = item;
    this.fKeys[top] = Object.keys(item);
    this.fKeyIndex[top] = 0;
    this.fDeps[top] = 1;
    this.fList[top] = null;
    this.fVia[top] = via;
  }

  private visit(rootId: string, root: Node): void {
    const item = root.item;
    if (item === undefined || root.done !== undefined) return;
    this.open(rootId, root, item, null);
    while (this.top >= 0) {
      const frame = this.top;
      if (this.advance(frame)) {
        const child = this.childNode!;
        this.open(this.childId, child, child.item!, child);
        continue;
      }
      // The frame is finished: pop it and count it in its parent, where pycti does.
      const via = this.fVia[frame]!;
      if (via !== null) via.onPath = false;
      const deps = this.close(frame);
      this.top -= 1;
      const parent = this.top;
      if (parent < 0) break;
      this.fDeps[parent] = this.fDeps[parent]! + deps;
      const list = this.fList[parent]!;
      if (list === null) this.fKeyIndex[parent] = this.fKeyIndex[parent]! + 1;
      else {
        const index = this.fListIndex[parent]!;
        this.keep(parent, this.fKeys[parent]![this.fKeyIndex[parent]!]!, list[index] as string);
        this.fListIndex[parent] = index + 1;
      }
    }
  }

  /**
   * Adds an accepted ref to the frame's keep-list and, as pycti does after each element,
   * assigns the list, so a nested walk of this same object (a cycle) sees it as built so far.
   */
  private keep(frame: number, key: string, ref: string): void {
    const keep = this.fKeep[frame]!;
    const keepSet = this.fKeepSet[frame]!;
    if (!listHas(keep, keepSet, ref)) {
      keep.push(ref);
      if (keepSet !== null) keepSet.add(ref);
      else if (keep.length > SCAN_LIMIT) this.fKeepSet[frame] = new Set(keep);
    }
    this.fItem[frame]![key] = keep;
  }

  /**
   * Runs the frame until an accepted ref needs a frame of its own (true: see childId) or
   * the object is done (false). Refs to absent or visited objects are counted in place
   * (0, or their nb_deps), as pycti's recursive call returns at once for them.
   */
  private advance(frame: number): boolean {
    const item = this.fItem[frame]!;
    const keys = this.fKeys[frame]!;
    let keyIndex = this.fKeyIndex[frame]!;
    let deps = this.fDeps[frame]!;
    let suspended = false;
    while (keyIndex < keys.length) {
      const key = keys[keyIndex]!;
      const list = this.fList[frame]!;
      if (list !== null) {
        // Inside a `_refs` list.
        let index = this.fListIndex[frame]!;
        while (index < list.length) {
          const ref = list[index];
          const node = this.accept(ref, frame);
          if (node !== null) {
            const target = node.item;
            if (target !== undefined && node.done === undefined) {
              this.fListIndex[frame] = index;
              this.childId = ref as string;
              this.childNode = node;
              suspended = true;
              break;
            }
            deps += target === undefined ? 0 : (node.done!.nb_deps as number);
            this.keep(frame, key, ref as string);
          } else item[key] = this.fKeep[frame]!;
          index += 1;
        }
        if (suspended) break;
        this.fList[frame] = null;
        keyIndex += 1;
        continue;
      }
      const last = key.charCodeAt(key.length - 1);
      if (last === S && key.endsWith('_refs')) {
        const value = item[key];
        if (Array.isArray(value) && value.length > 0) {
          this.fList[frame] = value;
          this.fListIndex[frame] = 0;
          this.fKeep[frame] = [];
          this.fKeepSet[frame] = null;
          continue;
        }
      } else if (last === F && key.endsWith('_ref')) {
        const value = item[key];
        const node = value === null || value === undefined ? null : this.accept(value, frame);
        if (node === null) item[key] = null;
        else {
          const target = node.item;
          if (target !== undefined && node.done === undefined) {
            this.childId = value as string;
            this.childNode = node;
            suspended = true;
            break;
          }
          deps += target === undefined ? 0 : (node.done!.nb_deps as number);
        }
      } else if (last === S && key === 'external_references') {
        const value = item[key];
        if (isSet(value)) item[key] = dedupeBy(value, externalReferenceKey);
      } else if (last === S && key === 'kill_chain_phases') {
        const value = item[key];
        if (isSet(value)) item[key] = dedupeBy(value, killChainPhaseKey);
      }
      keyIndex += 1;
    }
    this.fKeyIndex[frame] = keyIndex;
    this.fDeps[frame] = deps;
    return suspended;
  }

  /** pycti's end of `enlist_element`: weight, compatibility, cache. */
  private close(frame: number): number {
    const node = this.fNode[frame]!;
    const item = this.fItem[frame]!;
    const deps = this.fDeps[frame]!;
    item.nb_deps = deps;
    if (node.done === undefined) {
      (this.compatible(node, item) ? this.elements : this.incompatible).push(item);
      node.done = item;
      const ids = this.internal.size === 0 ? undefined : this.internal.get(item);
      if (ids !== undefined) for (const internalId of ids) this.node(internalId).done = item;
    }
    return deps;
  }

  private compatible(node: Node, item: Record<string, unknown>): boolean {
    if (item.type === 'relationship') return isSet(item.source_ref) && isSet(item.target_ref);
    if (item.type === 'sighting') return isSet(item.sighting_of_ref) && Array.isArray(item.where_sighted_refs) && item.where_sighted_refs.length > 0;
    // The visited id, not item.id: an object reached through an internal id always passes.
    return node.supported;
  }
}

function asStixObject(value: unknown, position: number): StixObject {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.type !== 'string')
    throw new InputError('STIX_OBJECT_INVALID', `object #${position} of the bundle is not a STIX object with a string "id" and "type"`, {
      details: { position },
    });
  return value as StixObject;
}

function resolveBundleId(bundleId: SplitOptions['bundleId']): string {
  const id = typeof bundleId === 'function' ? bundleId() : bundleId;
  // The Web Crypto global: a random UUID without loading node:crypto up front.
  return id ?? `bundle--${globalThis.crypto.randomUUID()}`;
}

function envelope(elements: SplitObject[], incompatible: SplitObject[], options: SplitOptions): SplitResult {
  const bundleId = resolveBundleId(options.bundleId);
  const eventVersion = options.eventVersion;
  const bundles = elements.map((item): SplitBundle => {
    const bundle: SplitBundle = { type: 'bundle', id: bundleId, spec_version: '2.1', x_opencti_seq: item.nb_deps, objects: [item] };
    if (eventVersion !== undefined && eventVersion !== null) bundle.x_opencti_event_version = eventVersion;
    return bundle;
  });
  return { expectations: bundles.length, incompatible, bundles };
}

/**
 * Splits STIX objects into one bundle per importable object, in pycti's order. The
 * objects are mutated as pycti does (refs cut, embedded lists de-duplicated, `nb_deps`
 * added); pass copies to keep the originals.
 */
export function splitObjects(objects: Iterable<unknown>, options: SplitOptions = {}): SplitResult {
  const splitter = new Splitter(options.cleanupInconsistentBundle ?? false);
  for (const object of objects) splitter.add(object);
  const { elements, incompatible } = splitter.run();
  return envelope(elements, incompatible, options);
}

/** `splitObjects` for a stream of objects (e.g. `readStixBundle`). */
export async function splitObjectsAsync(objects: AsyncIterable<unknown> | Iterable<unknown>, options: SplitOptions = {}): Promise<SplitResult> {
  const splitter = new Splitter(options.cleanupInconsistentBundle ?? false);
  for await (const object of objects) splitter.add(object);
  const { elements, incompatible } = splitter.run();
  return envelope(elements, incompatible, options);
}

/** Splits a parsed bundle; its `id` is used unless `options.bundleId` is given. */
export function splitBundle(bundle: unknown, options: SplitOptions = {}): SplitResult {
  if (!isRecord(bundle) || !Array.isArray(bundle.objects)) throw new InputError('STIX_BUNDLE_INVALID', 'File data is not a valid bundle');
  const bundleId = options.bundleId ?? (typeof bundle.id === 'string' ? bundle.id : undefined);
  return splitObjects(bundle.objects, { ...options, bundleId });
}

/** Splits a bundle given as JSON text (pycti's `use_json=True` entry point, same errors). */
export function splitBundleText(text: string, options: SplitOptions = {}): SplitResult {
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (error) {
    throw new InputError('STIX_JSON_INVALID', 'File data is not a valid JSON', { cause: error });
  }
  return splitBundle(bundle, options);
}

/** A split bundle as the JSON text to publish (compact; the platform does not need Python's spacing). */
export function serializeSplitBundle(bundle: SplitBundle): string {
  return JSON.stringify(bundle);
}

/** Every bundle of a split as JSON text, in order (pycti's `use_json=True` output). */
export function splitBundlesAsJson(result: SplitResult): string[] {
  return result.bundles.map(serializeSplitBundle);
}

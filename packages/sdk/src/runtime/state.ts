// Connector state with pycti's semantics (sdk-protocol §b.3): stored as JSON text; reads
// return an object only when it is a non-empty object; anything else clears it. It reaches
// the platform through the heartbeat (and a forced ping at the end of a one-shot run).
import { pythonJsonDumps } from '../stix/python-strings.ts';

export type StateObject = Record<string, unknown>;

export class ConnectorState {
  #text: string | null;

  constructor(initialText: string | null | undefined = null) {
    this.#text = initialText ?? null;
  }

  /** The parsed state, or undefined when there is none (null, "", {}, non-object, unparsable). */
  get<T extends StateObject = StateObject>(): T | undefined {
    return parseState(this.#text) as T | undefined;
  }

  /** Sets the state; a non-object (including undefined) clears it. */
  set(state: StateObject | null | undefined): void {
    this.#text = state !== null && typeof state === 'object' && !Array.isArray(state) ? pythonJsonDumps(state) : null;
  }

  clear(): void {
    this.#text = null;
  }

  /** What the heartbeat sends: the JSON text, or the 4-character string "null" when empty. */
  toPingText(): string {
    return this.#text ?? 'null';
  }

  /**
   * Applies the platform's echo of a ping. A different remote state (the user pressed
   * "reset state" in the UI) clears the local one, as pycti does. Returns true on a reset.
   */
  reconcile(remoteText: string | null | undefined): boolean {
    const remote = parseState(remoteText ?? null);
    const local = this.get();
    if (JSON.stringify(remote ?? null) === JSON.stringify(local ?? null)) return false;
    this.clear();
    return true;
  }
}

function parseState(text: string | null): StateObject | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0) return parsed as StateObject;
  } catch {
    // unparsable text reads as "no state", like pycti
  }
  return undefined;
}

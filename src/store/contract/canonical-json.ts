/**
 * Canonical JSON: object keys sorted, no whitespace. Payloads are stored this way so the
 * same payload always yields the same bytes (and so the same chain hash).
 */
export function canonicalJson(value: unknown): string {
  // A value already in canonical order (the legacy mirror builds its payloads so) is
  // stringified as it is: checking the order costs far less than copying every object.
  return JSON.stringify(inCanonicalOrder(value) ? value : canonicalCopy(value));
}

/**
 * A copy of `value` with every object's keys in sorted order: `JSON.stringify` of it is
 * `canonicalJson(value)`, and an object built from its parts in key order needs no copy.
 */
export function canonicalCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalCopy);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of sortedKeys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) setField(out, key, canonicalCopy(v));
  }
  return out;
}

/** Past this many keys an object's keys are sorted by Array.prototype.sort. */
const INSERTION_SORT_MAX = 24;

/**
 * `Object.keys(value)` in sorted order (by UTF-16 code units, as Array.prototype.sort).
 * Objects have a handful of keys: sorting them in place allocates nothing, where
 * Array.prototype.sort copies the array on every call.
 */
export function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  if (keys.length > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Sets `out[key]`, also for a "__proto__" key (JSON.parse makes it an own property), which
 * plain assignment would turn into the object's prototype, dropping it from the output.
 */
export function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = value;
  }
}

/**
 * Whether `JSON.stringify(value)` already is `canonicalJson(value)`: every object in it is
 * plain (what a copy would be), without `toJSON`, with its keys in sorted order. Anything
 * else (a Date, a class instance, keys out of order, including integer-like keys, which
 * objects always list first) is copied by `canonicalCopy`.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    return proto === Array.prototype && value.every(inCanonicalOrder);
  }
  if (proto !== Object.prototype && proto !== null) return false;
  let previous: string | undefined;
  for (const key of Object.keys(value)) {
    if (previous !== undefined && !(previous < key)) return false;
    if (!inCanonicalOrder((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

/** Runs of characters above U+007E: one match per run rather than one per character. */
const nonAsciiRuns = /[\u007f-\uffff]+/g;

/**
 * Escapes every character above U+007E the way Python's `json.dumps(ensure_ascii=True)`
 * does: lower-case `\uXXXX`, astral characters as their UTF-16 surrogate pair. Input must
 * already be JSON text (JSON.stringify leaves non-ASCII characters, and DEL, as they are;
 * Python escapes DEL too).
 */
export function asciiEscapeJson(json: string): string {
  nonAsciiRuns.lastIndex = 0;
  let run = nonAsciiRuns.exec(json);
  // Most text is plain ASCII: returned as it is, no copy.
  if (run === null) return json;
  let out = "";
  let copied = 0;
  while (run !== null) {
    out += json.slice(copied, run.index);
    const text = run[0];
    for (let i = 0; i < text.length; i++) out += unicodeEscape(text.charCodeAt(i));
    copied = run.index + text.length;
    run = nonAsciiRuns.exec(json);
  }
  return out + json.slice(copied);
}

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

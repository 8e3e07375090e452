/**
 * Canonical JSON: object keys sorted, no whitespace. Payloads are stored this way so the
 * same payload always yields the same bytes (and so the same chain hash).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== "object") return value;
  // No prototype: a "__proto__" key (JSON.parse makes it an own property) stays a key
  // instead of becoming the object's prototype and vanishing from the output.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeysDeep(v);
  }
  return out;
}

const nonAscii = /[\u007f-\uffff]/;
const nonAsciiAll = /[\u007f-\uffff]/g;

/**
 * Escapes every character above U+007E the way Python's `json.dumps(ensure_ascii=True)`
 * does: lower-case `\uXXXX`, astral characters as their UTF-16 surrogate pair. Input must
 * already be JSON text (JSON.stringify leaves non-ASCII characters, and DEL, as they are;
 * Python escapes DEL too).
 */
export function asciiEscapeJson(json: string): string {
  // Most text is plain ASCII: a test scans it far faster than a replace with a callback.
  if (!nonAscii.test(json)) return json;
  return json.replace(nonAsciiAll, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

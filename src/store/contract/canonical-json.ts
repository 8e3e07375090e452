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
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeysDeep(v);
  }
  return out;
}

/**
 * Escapes every character above U+007E the way Python's `json.dumps(ensure_ascii=True)`
 * does: lower-case `\uXXXX`, astral characters as their UTF-16 surrogate pair. Input must
 * already be JSON text (JSON.stringify leaves non-ASCII characters as they are).
 */
export function asciiEscapeJson(json: string): string {
  return json.replace(
    /[\u0080-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

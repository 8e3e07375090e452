/**
 * Canonical JSON by its plain definition, as first written (every object copied with its
 * keys sorted, then JSON.stringify): the oracle the fast paths are tested against.
 */
export function canonicalJsonOracle(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = sortKeysDeep(item);
  }
  return out;
}

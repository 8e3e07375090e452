import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asciiEscapeJson } from "../../../src/store/contract/canonical-json.js";
import {
  type ChainFields,
  type ChainRow,
  canonicalChainFields,
  chainHash,
  eventHash,
  GENESIS_HASH,
  verifyChainRows,
} from "../../../src/store/log/chain.js";
import { loadChainVectors } from "../../support/python-events-db.js";

const vectors = loadChainVectors();
const v339 = vectors.scheme_339_chain_hash;
const v338 = vectors.scheme_338_event_hash;

describe("chain hash (#339, what we write) against the Python vectors", () => {
  it("has the Python genesis", () => {
    expect(GENESIS_HASH).toBe(v339.genesis);
    expect(GENESIS_HASH).toBe(v338.genesis);
  });

  for (const row of v339.from_reference_db) {
    it(`reproduces reference row ${row.sequence} (${row.kind})`, () => {
      expect(canonicalChainFields(row)).toBe(row.canonical_fields);
      expect(row.prev_chain_hash + canonicalChainFields(row)).toBe(row.sha256_input);
      expect(chainHash(row.prev_chain_hash, row)).toBe(row.chain_hash);
    });
  }

  it("reproduces the synthetic non-ASCII row (escaped key, float payload kept as stored)", () => {
    const row = v339.synthetic_non_ascii;
    expect(canonicalChainFields(row)).toBe(row.canonical_fields);
    expect(chainHash(row.prev_chain_hash, row)).toBe(row.chain_hash);
  });

  it("counts a NULL previous hash as genesis", () => {
    const row = v339.from_reference_db[0]!;
    expect(chainHash(null, row)).toBe(row.chain_hash);
  });

  it("links consecutive reference rows: each row's prev is the row before's hash", () => {
    const [a, b, c] = v339.from_reference_db;
    expect(b!.prev_chain_hash).toBe(a!.chain_hash);
    expect(c!.prev_chain_hash).toBe(b!.chain_hash);
  });
});

describe("event hash (#338 variant) against the Python vectors", () => {
  for (const row of v338.from_variant_db) {
    it(`reproduces variant row ${row.sequence} (${row.kind})`, () => {
      expect(eventHash(row.prev_hash, row)).toBe(row.event_hash);
    });
  }

  it("reproduces the synthetic non-ASCII row (raw UTF-8, ensure_ascii=False)", () => {
    const row = v338.synthetic_non_ascii;
    expect(eventHash(row.prev_hash, row)).toBe(row.event_hash);
  });
});

it("the test copy of the vectors matches the shared original when it is present", () => {
  const shared = new URL(
    "../../../../shared/fixtures/python-forge-loop/chain-vectors.json",
    import.meta.url,
  );
  if (!existsSync(shared)) return; // CI without shared/: the copy is all there is.
  const copy = new URL("../../support/fixtures/python-chain-vectors.json", import.meta.url);
  expect(readFileSync(copy, "utf8")).toBe(readFileSync(shared, "utf8"));
});

/**
 * Python's `py_encode_basestring_ascii`, transcribed: the oracle for ensure_ascii output.
 * JavaScript strings are UTF-16 already, so an astral character arrives as its surrogate
 * pair and each half is escaped, exactly as Python splits it.
 */
function pythonEnsureAscii(s: string): string {
  const short: Record<string, string> = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
  };
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (short[ch] !== undefined) out += short[ch];
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

describe("ASCII escaping matches Python's json.dumps(ensure_ascii=True)", () => {
  // Each right-hand side is what CPython 3 printed for json.dumps(<left>).
  const known: [string, string][] = [
    ["é", '"\\u00e9"'],
    ["😀", '"\\ud83d\\ude00"'],
    ["\x7f", '"\\u007f"'],
    ["\x00\x1f\b", '"\\u0000\\u001f\\b"'],
    ["\u2028", '"\\u2028"'],
    ["\ud800", '"\\ud800"'],
    ["a\udfffb", '"a\\udfffb"'],
    ["\ufeff", '"\\ufeff"'],
    ["日本", '"\\u65e5\\u672c"'],
    ['"\\/', '"\\"\\\\/"'],
  ];
  for (const [input, python] of known) {
    it(`escapes to ${python} as Python does`, () => {
      expect(asciiEscapeJson(JSON.stringify(input))).toBe(python);
      expect(pythonEnsureAscii(input)).toBe(python);
    });
  }

  const anyChar = fc.oneof(
    fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)), // lone surrogates too
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  );

  it("agrees with the Python oracle on arbitrary text (astral, lone surrogates, controls)", () => {
    fc.assert(
      fc.property(fc.string({ unit: anyChar, maxLength: 40 }), (s) => {
        expect(asciiEscapeJson(JSON.stringify(s))).toBe(pythonEnsureAscii(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("always yields pure ASCII that parses back to the same text", () => {
    fc.assert(
      fc.property(fc.string({ unit: anyChar, maxLength: 40 }), (s) => {
        const escaped = asciiEscapeJson(JSON.stringify(s));
        expect(/^[\x20-\x7e]*$/.test(escaped)).toBe(true);
        expect(JSON.parse(escaped)).toBe(s);
      }),
    );
  });
});

describe("verifyChainRows", () => {
  const fieldsArb: fc.Arbitrary<ChainFields> = fc.record({
    event_id: fc.stringMatching(/^[0-9a-f]{32}$/),
    idempotency_key: fc.option(fc.string(), { nil: null }),
    kind: fc.constantFrom("task.dispatched", "tick.started", "loop.halted"),
    occurred_at: fc.constant("2026-06-05T09:00:00.000Z"),
    payload_json: fc.json(),
    saga_id: fc.option(fc.string(), { nil: null }),
    schema_version: fc.constant(1),
    task_id: fc.option(fc.string(), { nil: null }),
  });

  function chained(fields: ChainFields[]): ChainRow[] {
    let prev = GENESIS_HASH;
    return fields.map((f, i) => {
      const stored = chainHash(prev, f);
      prev = stored;
      return { ...f, sequence: i + 1, stored };
    });
  }

  it("accepts an intact chain and names the first tampered row", () => {
    fc.assert(
      fc.property(
        fc.array(fieldsArb, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.constantFrom("kind", "payload_json", "occurred_at", "task_id", "stored") as fc.Arbitrary<
          keyof ChainRow
        >,
        (fields, pick, column) => {
          const rows = chained(fields);
          expect(verifyChainRows(rows, { scheme: "chain_hash", allowUnchained: false })).toEqual({
            ok: true,
            checked: rows.length,
            unchained: 0,
          });
          const index = pick % rows.length;
          const target = rows[index]!;
          (target as unknown as Record<string, unknown>)[column] = `${String(target[column])}x`;
          const report = verifyChainRows(rows, { scheme: "chain_hash", allowUnchained: false });
          expect(report.ok).toBe(false);
          expect(report.firstBroken?.sequence).toBe(index + 1);
          expect(report.checked).toBe(index + 1);
        },
      ),
    );
  });

  it("treats a NULL hash as a break in our log but as an unchained legacy row in a Python one", () => {
    const rows = chained(v339.from_reference_db.slice(0, 2));
    const legacy: ChainRow = { ...rows[0]!, sequence: 0, event_id: "legacy", stored: null };
    // After an unchained row the Python writer chains from genesis again.
    const withLegacy = [legacy, ...rows];
    expect(verifyChainRows(withLegacy, { scheme: "chain_hash", allowUnchained: true })).toEqual({
      ok: true,
      checked: 3,
      unchained: 1,
    });
    const ours = verifyChainRows(withLegacy, { scheme: "chain_hash", allowUnchained: false });
    expect(ours.firstBroken).toMatchObject({ sequence: 0, eventId: "legacy", stored: null });
  });

  it("in the #338 scheme also checks each row's stored link to its predecessor", () => {
    const rows: ChainRow[] = v338.from_variant_db
      .slice(0, 3)
      .map((r) => ({ ...r, stored: r.event_hash }));
    expect(verifyChainRows(rows, { scheme: "event_hash", allowUnchained: true }).ok).toBe(true);
    rows[1] = { ...rows[1]!, prev_hash: GENESIS_HASH };
    const report = verifyChainRows(rows, { scheme: "event_hash", allowUnchained: true });
    expect(report.firstBroken).toMatchObject({
      sequence: 2,
      column: "prev_hash",
      expected: v338.from_variant_db[0]!.event_hash,
      stored: GENESIS_HASH,
    });
  });
});

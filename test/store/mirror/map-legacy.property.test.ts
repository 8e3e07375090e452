/**
 * Properties of the legacy mapping over arbitrary records: it never throws, its events
 * are storable, and its keys are deterministic and never shared by distinct records.
 */
import { hash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/store/contract/canonical-json.js";
import { engineKinds } from "../../../src/store/contract/kinds.js";
import { normaliseLegacyTs } from "../../../src/store/mirror/legacy-time.js";
import {
  initialMirrorState,
  LEGACY_KINDS,
  type MirrorState,
  mapLegacyRecord,
} from "../../../src/store/mirror/map-legacy.js";
import { canonicalJsonOracle } from "../log/canonical-oracle.js";

const kinds = [...LEGACY_KINDS, "watchdog_anything", "unknown_kind"];
const json = fc.jsonValue({ maxDepth: 3, depthSize: "small" });
/** Values the mapping looks at closely, in every type. */
const fieldValue = fc.oneof(
  json,
  fc.integer({ min: -5, max: 500 }).map(String),
  fc.constantFrom(
    "merged",
    "open",
    "FAILED",
    "awaiting_critic",
    "MERGED",
    "worker",
    "blocked",
    "#12",
  ),
  fc.array(fc.oneof(json, fc.record({ issue: json, status: json, pr_url: json })), {
    maxLength: 4,
  }),
);
const legacyRecord = fc
  .record(
    {
      kind: fc.constantFrom(...kinds),
      ts: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        json,
      ),
      tick: fieldValue,
      issue: fieldValue,
      number: fieldValue,
      status: fieldValue,
      new_state: fieldValue,
      stage: fieldValue,
      verdict: fieldValue,
      pr: fieldValue,
      pr_url: fieldValue,
      expanded: fieldValue,
      outcomes: fieldValue,
      session_id: fieldValue,
      legacy_kind: fieldValue,
    },
    { requiredKeys: ["kind"] },
  )
  .chain((fields) =>
    fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 4 }).map((extra) => ({
      ...extra,
      ...fields,
    })),
  );
const state: fc.Arbitrary<MirrorState> = fc.record(
  { run: fc.nat(), lastTick: fc.nat(), lastOccurredAt: fc.constant("2026-01-01T00:00:00.000Z") },
  { requiredKeys: ["run"] },
);
const durable = new Set<string>(engineKinds);

describe("mapLegacyRecord properties", () => {
  it("never throws, and yields storable events of durable kinds with well-formed keys", () => {
    fc.assert(
      fc.property(state, legacyRecord, (s, record) => {
        const step = mapLegacyRecord(s, record);
        expect(step.state.run).toBeGreaterThanOrEqual(s.run);
        step.events.forEach((event, index) => {
          expect(durable.has(event.kind)).toBe(true);
          expect(event.idempotencyKey).toMatch(
            new RegExp(`^mirror:(\\d{4}-\\d\\d-\\d\\dT[\\d:.]{12}Z|-):[0-9a-f]{32}:${index}$`),
          );
          expect(JSON.parse(canonicalJson(event.payload))).toEqual(
            JSON.parse(JSON.stringify(event.payload)),
          );
          expect(event.taskId ?? "issue:1").toMatch(/^issue:[1-9]\d*$/);
          expect(event.sagaId ?? "tick:0").toMatch(/^tick:\d+$/);
          if (event.occurredAt !== undefined) {
            expect(event.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it("derives keys from the record alone (deterministic whatever the state)", () => {
    fc.assert(
      fc.property(state, state, legacyRecord, (s1, s2, record) => {
        const keys = (s: MirrorState) =>
          mapLegacyRecord(s, structuredClone(record)).events.map((e) => e.idempotencyKey);
        expect(keys(s1)).toEqual(keys(s2));
      }),
      { numRuns: 300 },
    );
  });

  it("never gives two distinct records a key in common", () => {
    fc.assert(
      fc.property(legacyRecord, legacyRecord, (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        const keysA = mapLegacyRecord(initialMirrorState, a).events.map((e) => e.idempotencyKey);
        const keysB = new Set(
          mapLegacyRecord(initialMirrorState, b).events.map((e) => e.idempotencyKey),
        );
        expect(keysA.filter((k) => keysB.has(k))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("keys each event by the record's canonical JSON, as logs mirrored before hold them", () => {
    fc.assert(
      fc.property(state, legacyRecord, (s, record) => {
        const digest = hash("sha256", canonicalJsonOracle(record)).slice(0, 32);
        const prefix = `mirror:${normaliseLegacyTs(record.ts) ?? "-"}:${digest}`;
        mapLegacyRecord(s, record).events.forEach((event, index) => {
          expect(event.idempotencyKey).toBe(`${prefix}:${index}`);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("builds payloads in canonical key order, so the log stores them without sorting", () => {
    fc.assert(
      fc.property(state, legacyRecord, (s, record) => {
        for (const event of mapLegacyRecord(s, record).events) {
          expect(JSON.stringify(event.payload)).toBe(canonicalJsonOracle(event.payload));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the keys and payload bytes of an awkward record exactly as before", () => {
    // Computed by the mapping as first written: integer-like and __proto__ keys, nested
    // objects out of order, non-ASCII and astral text, a ts with microseconds.
    const line =
      '{"ts": "2026-06-05T09:03:33.588123Z", "kind": "tick_done", "tick": 7, "merged": [41], "10": "ten", "9": "nine", "__proto__": {"b": 1, "a": 2}, "outcomes": [{"status": "merged", "issue": "41", "title": "R\\u00e9sum\\u00e9 \\ud83d\\ude00", "pr_url": "https://github.com/acme/app/pull/12", "z": {"y": 1, "x": [3, {"d": 4, "c": 5}]}}]}';
    const events = mapLegacyRecord(initialMirrorState, JSON.parse(line)).events;
    const key = "mirror:2026-06-05T09:03:33.588Z:57f216447f1f1da7c7bd85a1aacbb437";
    const outcome =
      '{"issue":"41","legacy_kind":"tick_done","pr_url":"https://github.com/acme/app/pull/12","status":"merged","tick":7,"title":"Résumé 😀","z":{"x":[3,{"c":5,"d":4}],"y":1}}';
    expect(events.map((e) => [e.kind, e.idempotencyKey, canonicalJson(e.payload)])).toEqual([
      [
        "tick.completed",
        `${key}:0`,
        '{"9":"nine","10":"ten","__proto__":{"a":2,"b":1},"legacy_kind":"tick_done","legacy_ts":"2026-06-05T09:03:33.588123Z","merged":[41],"outcomes":[{"issue":"41","pr_url":"https://github.com/acme/app/pull/12","status":"merged","title":"Résumé 😀","z":{"x":[3,{"c":5,"d":4}],"y":1}}],"run":0,"tick":7}',
      ],
      ["pr.opened", `${key}:1`, outcome],
      ["task.completed", `${key}:2`, outcome],
      ["pr.merged", `${key}:3`, outcome],
    ]);
  });

  it("tells apart records that differ only in a __proto__ field", () => {
    const a = JSON.parse('{"kind":"critic_done","issue":1,"__proto__":{"v":1}}');
    const b = JSON.parse('{"kind":"critic_done","issue":1,"__proto__":{"v":2}}');
    const key = (r: Record<string, unknown>) =>
      mapLegacyRecord(initialMirrorState, r).events[0]?.idempotencyKey;
    expect(key(a)).not.toBe(key(b));
  });
});

/**
 * Properties of the legacy mapping over arbitrary records: it never throws, its events
 * are storable, and its keys are deterministic and never shared by distinct records.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/store/contract/canonical-json.js";
import { engineKinds } from "../../../src/store/contract/kinds.js";
import {
  initialMirrorState,
  LEGACY_KINDS,
  type MirrorState,
  mapLegacyRecord,
} from "../../../src/store/mirror/map-legacy.js";

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

  it("tells apart records that differ only in a __proto__ field", () => {
    const a = JSON.parse('{"kind":"critic_done","issue":1,"__proto__":{"v":1}}');
    const b = JSON.parse('{"kind":"critic_done","issue":1,"__proto__":{"v":2}}');
    const key = (r: Record<string, unknown>) =>
      mapLegacyRecord(initialMirrorState, r).events[0]?.idempotencyKey;
    expect(key(a)).not.toBe(key(b));
  });
});

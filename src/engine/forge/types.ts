/**
 * The two remote boundaries of the engine: where issues come from (`Tracker`) and where
 * pull requests live (`Platform`). The local forge (an embedded SQLite database plus real
 * git branches) and GitHub implement both; one contract test suite runs against each.
 */

export interface Issue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  createdAt: string;
  updatedAt: string;
  url?: string;
}

export interface IssueComment {
  id: string;
  author: string;
  body: string;
  createdAt: string;
}

export interface Tracker {
  readonly kind: "local" | "github";
  /** Open issues carrying `label`, in no particular order (the engine orders them). */
  listOpenWithLabel(label: string): Promise<Issue[]>;
  getIssue(issue: number): Promise<{ issue: Issue; comments: IssueComment[] }>;
  addLabels(issue: number, labels: string[]): Promise<void>;
  removeLabel(issue: number, label: string): Promise<void>;
  comment(issue: number, body: string): Promise<void>;
  close(issue: number, comment?: string): Promise<void>;
  /**
   * Makes sure the loop's labels exist (`forge-loop init --create-labels`). GitHub needs
   * them created; the local tracker has nothing to do and says so in `note`.
   */
  ensureLabels(labels: string[]): Promise<LabelSetup>;
}

export interface LabelSetup {
  created: string[];
  existing: string[];
  note?: string;
}

export interface PullRequest {
  number: number;
  /** The issue the pull request works on. */
  issue: number;
  title: string;
  url: string;
  branch: string;
  base: string;
  draft: boolean;
  state: "open" | "merged" | "closed";
  headSha?: string;
  /** The commit the merge produced on the base branch. */
  mergedSha?: string;
}

export interface OpenPullRequestInput {
  issue: number;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export type CheckRollup = "pending" | "passing" | "failing";

export interface PullRequestStatus {
  pr: PullRequest;
  rollup: CheckRollup;
  checks: { name: string; state: string }[];
}

export interface ReviewComment {
  path: string;
  line: number;
  body: string;
}

export type MergeMethod = "merge" | "squash" | "rebase";

/** A merge the platform refused, with a reason for `merge.blocked`. */
export class MergeRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`merge refused: ${reason}`);
    this.name = "MergeRefusedError";
  }
}

export interface Platform {
  readonly kind: "local" | "github";
  /** Publishes the worktree's branch where the platform can see it. */
  pushBranch(branch: string, worktree: string): Promise<void>;
  /** Idempotent: an open PR for the same branch is returned (and its body updated). */
  openPullRequest(input: OpenPullRequestInput): Promise<PullRequest>;
  /** Current state plus checks, polled until they settle. */
  status(pr: number): Promise<PullRequestStatus>;
  /** Throws MergeRefusedError with the reason when the merge cannot happen. */
  merge(pr: number, method: MergeMethod): Promise<{ sha: string }>;
  comment(pr: number, body: string): Promise<void>;
  review(pr: number, body: string, comments: ReviewComment[]): Promise<void>;
  close(pr: number, comment?: string): Promise<void>;
}

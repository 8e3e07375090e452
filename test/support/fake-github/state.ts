/**
 * The fake GitHub's memory of one repository: issues, pull requests (which share the
 * issue numbers, as on GitHub), labels, comments, reviews, check runs and commit statuses.
 * The git side (branches, merges) is a real bare repository. Tests seed and inspect it
 * here, as a person would through GitHub's web UI.
 */
import { branchSha } from "./git.js";

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  author: string;
}

export interface FakePull {
  number: number;
  nodeId: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  labels: string[];
  mergedSha?: string;
  mergedAt?: string;
  /** The head when it was merged or closed (GitHub keeps it after the branch moves). */
  frozenHeadSha?: string;
  createdAt: string;
  updatedAt: string;
  author: string;
}

export interface FakeComment {
  id: number;
  number: number;
  author: string;
  body: string;
  createdAt: string;
}

export interface FakeReviewComment {
  path: string;
  line: number;
  side: string;
  body: string;
}

export interface FakeReview {
  id: number;
  pr: number;
  body: string;
  event: string;
  commitId: string;
  comments: FakeReviewComment[];
}

export interface FakeCheckRun {
  id: number;
  headSha: string;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  /** Status reads left before it completes. */
  pendingPolls: number;
  finalConclusion: string;
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string;
}

/** The check run CI reports for every head it sees; `none` means the repository has no CI. */
export interface CheckPolicy {
  conclusion: "success" | "failure" | "none";
  pendingPolls: number;
  name: string;
}

export class FakeRepo {
  readonly issues = new Map<number, FakeIssue>();
  readonly pulls = new Map<number, FakePull>();
  readonly comments: FakeComment[] = [];
  readonly reviews: FakeReview[] = [];
  readonly labels: FakeLabel[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly statuses: { sha: string; context: string; state: string }[] = [];
  checkPolicy: CheckPolicy = { conclusion: "success", pendingPolls: 0, name: "ci / test" };
  private nextNumber = 1;
  private nextId = 1000;
  private seconds = 0;

  constructor(
    readonly owner: string,
    readonly name: string,
    /** The bare repository branches are pushed to and merges land in (settable: a sandbox may make it later). */
    public bare: string,
    readonly defaultBranch = "main",
  ) {}

  get slug(): string {
    return `${this.owner}/${this.name}`;
  }

  /** Strictly increasing timestamps, so "oldest first" is well defined. */
  now(): string {
    this.seconds++;
    return new Date(Date.UTC(2025, 0, 1) + this.seconds * 1000)
      .toISOString()
      .replace(/\.000Z$/, "Z");
  }

  id(): number {
    return this.nextId++;
  }

  number(): number {
    return this.nextNumber++;
  }

  createIssue(input: {
    title: string;
    body?: string;
    labels?: string[];
    author?: string;
  }): FakeIssue {
    const now = this.now();
    const issue: FakeIssue = {
      number: this.number(),
      title: input.title,
      body: input.body ?? "",
      state: "open",
      stateReason: null,
      labels: [],
      createdAt: now,
      updatedAt: now,
      author: input.author ?? "octocat",
    };
    this.issues.set(issue.number, issue);
    this.addLabels(issue, input.labels ?? []);
    return issue;
  }

  closeIssue(number: number): void {
    const issue = this.issues.get(number);
    if (!issue || issue.state === "closed") return;
    issue.state = "closed";
    issue.stateReason = "completed";
    issue.updatedAt = this.now();
  }

  /** Issues and pull requests share labels and comments. */
  item(number: number): FakeIssue | FakePull | undefined {
    return this.issues.get(number) ?? this.pulls.get(number);
  }

  addLabels(item: FakeIssue | FakePull, names: string[]): void {
    for (const name of names) {
      const label = this.labelNamed(name) ?? this.createLabel(name, "ededed", "");
      if (!item.labels.includes(label.name)) item.labels.push(label.name);
    }
    item.updatedAt = this.now();
  }

  labelNamed(name: string): FakeLabel | undefined {
    return this.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  }

  createLabel(name: string, color: string, description: string): FakeLabel {
    const label = { id: this.id(), name, color, description };
    this.labels.push(label);
    return label;
  }

  addComment(number: number, body: string, author = "forge-bot"): FakeComment {
    const comment = { id: this.id(), number, author, body, createdAt: this.now() };
    this.comments.push(comment);
    const item = this.item(number);
    if (item) item.updatedAt = comment.createdAt;
    return comment;
  }

  commentsOn(number: number): FakeComment[] {
    return this.comments.filter((c) => c.number === number);
  }

  /** Everything written on a pull request: comments, review bodies, inline comments. */
  pullRequestComments(pr: number): { body: string; path?: string; line?: number }[] {
    return [
      ...this.commentsOn(pr).map((c) => ({ body: c.body })),
      ...this.reviews
        .filter((r) => r.pr === pr)
        .flatMap((r) => [
          { body: r.body },
          ...r.comments.map((c) => ({ body: c.body, path: c.path, line: c.line })),
        ]),
    ];
  }

  async headSha(pull: FakePull): Promise<string | undefined> {
    return pull.frozenHeadSha ?? (await branchSha(this.bare, pull.head));
  }

  /**
   * The check runs of a head: CI (the policy) registers its run the first time the head
   * is looked at; each look while it runs brings it closer to done.
   */
  checkRunsFor(sha: string): FakeCheckRun[] {
    let runs = this.checkRuns.filter((r) => r.headSha === sha);
    if (runs.length === 0 && this.checkPolicy.conclusion !== "none") {
      const { pendingPolls, conclusion, name } = this.checkPolicy;
      this.checkRuns.push({
        id: this.id(),
        headSha: sha,
        name,
        status: pendingPolls > 0 ? "queued" : "completed",
        conclusion: pendingPolls > 0 ? null : conclusion,
        pendingPolls,
        finalConclusion: conclusion,
      });
      runs = this.checkRuns.filter((r) => r.headSha === sha);
    }
    const seen = runs.map((r) => ({ ...r }));
    for (const run of runs) {
      if (run.status === "completed") continue;
      run.pendingPolls--;
      run.status = run.pendingPolls > 0 ? "in_progress" : "completed";
      if (run.status === "completed") run.conclusion = run.finalConclusion;
    }
    return seen;
  }
}

/**
 * The GitHub tracker: a repository's issues, labels and comments through the REST API.
 * GitHub lists pull requests among issues; they are left out here. Texts follow the same
 * rules as the local tracker's (bounded, no NUL, no lone surrogates), so the contract is
 * the same on both.
 *
 * GitHub label names are case-insensitive (`Risk:High` is `risk:high`), the engine's
 * checks are not: a label that matches one of the loop's labels but for case is reported
 * with the loop's spelling, so a risk-gated issue is never merged for want of a capital.
 */
import { createHash } from "node:crypto";
import { UserError } from "../../../shared/errors.js";
import { isValidLabel, LABEL_RULE } from "../labels.js";
import { checkBody } from "../local/tracker.js";
import type { Issue, IssueComment, LabelSetup, Tracker } from "../types.js";
import { type GitHubApi, GitHubApiError } from "./client.js";

/** The fields of a GitHub issue this tracker reads. */
interface IssueData {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  labels: (string | { name?: string | null })[];
  created_at: string;
  updated_at: string;
  html_url: string;
  pull_request?: unknown;
}

const PAGE = 100;

export class GitHubTracker implements Tracker {
  readonly kind = "github" as const;
  private readonly spelling: Map<string, string>;

  /** `loopLabels`: the loop's labels as configured, the spelling issues report them in. */
  constructor(
    private readonly api: GitHubApi,
    loopLabels: readonly string[] = [],
  ) {
    this.spelling = new Map(loopLabels.map((label) => [label.toLowerCase(), label]));
  }

  /** Oldest first, as GitHub sorts them (the engine orders by priority, then age). */
  async listOpenWithLabel(label: string): Promise<Issue[]> {
    checkLabel(label);
    const { octokit, repo } = this.api;
    // GitHub's `labels` filter is a comma-separated list: a label with a comma in it
    // cannot be asked for, so those are filtered here instead.
    const items = await octokit.paginate(octokit.rest.issues.listForRepo, {
      ...repo,
      state: "open",
      sort: "created",
      direction: "asc",
      per_page: PAGE,
      ...(label.includes(",") ? {} : { labels: label }),
    });
    const wanted = label.toLowerCase();
    return (items as IssueData[])
      .filter((item) => !item.pull_request)
      .map((item) => this.toIssue(item))
      .filter((issue) => issue.labels.some((l) => l.toLowerCase() === wanted));
  }

  async getIssue(issue: number): Promise<{ issue: Issue; comments: IssueComment[] }> {
    const found = await this.issue(issue);
    const { octokit, repo } = this.api;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      per_page: PAGE,
    });
    return {
      issue: found,
      comments: comments.map((c) => ({
        id: String(c.id),
        author: c.user?.login ?? "ghost",
        body: c.body ?? "",
        createdAt: c.created_at,
      })),
    };
  }

  async addLabels(issue: number, labels: string[]): Promise<void> {
    const checked = [...new Set(labels.map(checkLabel))];
    if (checked.length === 0) return;
    checkNumber(issue);
    await this.on404(issue, () =>
      this.api.octokit.rest.issues.addLabels({
        ...this.api.repo,
        issue_number: issue,
        labels: checked,
      }),
    );
  }

  async removeLabel(issue: number, label: string): Promise<void> {
    checkNumber(issue);
    try {
      await this.api.octokit.rest.issues.removeLabel({
        ...this.api.repo,
        issue_number: issue,
        name: label,
      });
    } catch (err) {
      if (!(err instanceof GitHubApiError && err.status === 404)) throw err;
      // 404 means the label was not there, or the issue does not exist: only the latter is
      // an error.
      await this.issue(issue);
    }
  }

  async comment(issue: number, body: string): Promise<void> {
    const text = checkBody(body);
    checkNumber(issue);
    await this.on404(issue, () =>
      this.api.octokit.rest.issues.createComment({
        ...this.api.repo,
        issue_number: issue,
        body: text,
      }),
    );
  }

  /** Closing a closed issue changes nothing but still adds the comment. */
  async close(issue: number, comment?: string): Promise<void> {
    if (comment !== undefined) await this.comment(issue, comment);
    checkNumber(issue);
    await this.on404(issue, () =>
      this.api.octokit.rest.issues.update({
        ...this.api.repo,
        issue_number: issue,
        state: "closed",
        state_reason: "completed",
      }),
    );
  }

  /** Creates the labels the repository lacks (GitHub compares label names case-insensitively). */
  async ensureLabels(labels: string[]): Promise<LabelSetup> {
    const wanted = [...new Set(labels.map(checkLabel))];
    const { octokit, repo } = this.api;
    const present = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, {
      ...repo,
      per_page: PAGE,
    });
    const known = new Set(present.map((l) => l.name.toLowerCase()));
    const setup: LabelSetup = { created: [], existing: [] };
    for (const name of wanted) {
      if (known.has(name.toLowerCase())) {
        setup.existing.push(name);
        continue;
      }
      try {
        await octokit.rest.issues.createLabel({
          ...repo,
          name,
          color: labelColor(name),
          description: "Used by forge-loop",
        });
        setup.created.push(name);
      } catch (err) {
        // Created by someone else since the listing: it exists, which is all we want.
        if (
          !(
            err instanceof GitHubApiError &&
            err.status === 422 &&
            /already_exists/.test(err.message)
          )
        ) {
          throw err;
        }
        setup.existing.push(name);
      }
    }
    return setup;
  }

  /** The issue itself (not a pull request), or a UserError saying it is not there. */
  async issue(number: number): Promise<Issue> {
    checkNumber(number);
    const data = await this.on404(number, () =>
      this.api.octokit.rest.issues.get({ ...this.api.repo, issue_number: number }),
    );
    if ((data.data as IssueData).pull_request) {
      throw new UserError(`#${number} in ${this.api.slug} is a pull request, not an issue`);
    }
    return this.toIssue(data.data as IssueData);
  }

  private toIssue(data: IssueData): Issue {
    const issue = toIssue(data);
    issue.labels = issue.labels.map((l) => this.spelling.get(l.toLowerCase()) ?? l).sort();
    return issue;
  }

  private async on404<T>(issue: number, act: () => Promise<T>): Promise<T> {
    try {
      return await act();
    } catch (err) {
      if (err instanceof GitHubApiError && (err.status === 404 || err.status === 410)) {
        throw new UserError(
          `issue #${issue} does not exist in ${this.api.slug} (or the token cannot see it)`,
          err.hint,
        );
      }
      throw err;
    }
  }
}

function toIssue(data: IssueData): Issue {
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? "",
    labels: data.labels
      .map((l) => (typeof l === "string" ? l : (l.name ?? "")))
      .filter((name) => name.length > 0)
      .sort(),
    state: data.state === "closed" ? "closed" : "open",
    createdAt: data.created_at,
    updatedAt: data.updated_at,
    url: data.html_url,
  };
}

function checkNumber(number: number): void {
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new UserError(`issue number must be a positive integer (got ${number})`);
  }
}

function checkLabel(label: string): string {
  if (!isValidLabel(label)) throw new UserError(`label ${JSON.stringify(label)}: ${LABEL_RULE}`);
  return label;
}

/** A stable colour per label name, from a palette that reads on light and dark themes. */
const palette = ["0e8a16", "1d76db", "5319e7", "b60205", "d93f0b", "fbca04", "006b75", "c5def5"];

export function labelColor(name: string): string {
  const digest = createHash("sha256").update(name).digest();
  return palette[(digest[0] ?? 0) % palette.length] ?? "ededed";
}

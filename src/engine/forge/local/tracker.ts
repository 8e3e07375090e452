/**
 * The local tracker: issues, labels and comments in the local forge database. Beyond the
 * `Tracker` interface it can create and list issues, for `forge-loop issue` and the demo.
 */
import { type Clock, isoAt, systemClock } from "../../../shared/clock.js";
import { UserError } from "../../../shared/errors.js";
import { isValidLabel, LABEL_RULE } from "../labels.js";
import type { Issue, IssueComment, LabelSetup, Tracker } from "../types.js";
import type { LocalForgeDb } from "./db.js";

export const MAX_TITLE_LENGTH = 256;
export const MAX_BODY_LENGTH = 65_536;

interface IssueRow {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  created_at: string;
  updated_at: string;
}

export interface NewIssue {
  title: string;
  body?: string;
  labels?: string[];
}

export interface IssueFilter {
  label?: string;
  state?: "open" | "closed" | "all";
}

export class LocalTracker implements Tracker {
  readonly kind = "local" as const;

  constructor(
    private readonly db: LocalForgeDb,
    private readonly options: { clock?: Clock; author?: string } = {},
  ) {}

  private now(): string {
    return isoAt((this.options.clock ?? systemClock).now());
  }

  async create(input: NewIssue): Promise<Issue> {
    const title = checkTitle(input.title);
    const body = checkBody(input.body ?? "");
    const labels = checkLabels(input.labels ?? []);
    const now = this.now();
    const number = this.db
      .transaction(() => {
        const row = this.db
          .prepare(
            "INSERT INTO issues (title, body, state, created_at, updated_at) VALUES (?, ?, 'open', ?, ?)",
          )
          .run(title, body, now, now);
        const n = Number(row.lastInsertRowid);
        this.insertLabels(n, labels, now);
        return n;
      })
      .immediate();
    return this.issue(number);
  }

  async list(filter: IssueFilter = {}): Promise<Issue[]> {
    const state = filter.state ?? "open";
    const where: string[] = [];
    const params: unknown[] = [];
    if (state !== "all") {
      where.push("state = ?");
      params.push(state);
    }
    if (filter.label !== undefined) {
      where.push("number IN (SELECT issue FROM issue_labels WHERE label = ?)");
      params.push(filter.label);
    }
    const sql = `SELECT * FROM issues ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY number`;
    const rows = this.db.prepare(sql).all(...params) as IssueRow[];
    return rows.map((row) => this.toIssue(row));
  }

  async listOpenWithLabel(label: string): Promise<Issue[]> {
    return this.list({ label, state: "open" });
  }

  async getIssue(issue: number): Promise<{ issue: Issue; comments: IssueComment[] }> {
    const found = this.issue(issue);
    const rows = this.db
      .prepare(
        "SELECT id, author, body, created_at FROM issue_comments WHERE issue = ? ORDER BY id",
      )
      .all(issue) as { id: number; author: string; body: string; created_at: string }[];
    return {
      issue: found,
      comments: rows.map((c) => ({
        id: String(c.id),
        author: c.author,
        body: c.body,
        createdAt: c.created_at,
      })),
    };
  }

  async addLabels(issue: number, labels: string[]): Promise<void> {
    const checked = checkLabels(labels);
    this.issue(issue);
    const now = this.now();
    this.db
      .transaction(() => {
        if (this.insertLabels(issue, checked, now) > 0) this.touch(issue, now);
      })
      .immediate();
  }

  async removeLabel(issue: number, label: string): Promise<void> {
    this.issue(issue);
    const removed = this.db
      .prepare("DELETE FROM issue_labels WHERE issue = ? AND label = ?")
      .run(issue, label);
    if (removed.changes > 0) this.touch(issue, this.now());
  }

  async comment(issue: number, body: string): Promise<void> {
    const text = checkBody(body);
    this.issue(issue);
    const now = this.now();
    this.db
      .transaction(() => {
        this.db
          .prepare(
            "INSERT INTO issue_comments (issue, author, body, created_at) VALUES (?, ?, ?, ?)",
          )
          .run(issue, this.options.author ?? "forge-loop", text, now);
        this.touch(issue, now);
      })
      .immediate();
  }

  /** Closing a closed issue changes nothing but still adds the comment. */
  async close(issue: number, comment?: string): Promise<void> {
    if (comment !== undefined) await this.comment(issue, comment);
    this.issue(issue);
    this.db
      .prepare(
        "UPDATE issues SET state = 'closed', updated_at = ? WHERE number = ? AND state = 'open'",
      )
      .run(this.now(), issue);
  }

  async ensureLabels(labels: string[]): Promise<LabelSetup> {
    checkLabels(labels);
    return {
      created: [],
      existing: [],
      note: "the local tracker needs no label setup: a label exists as soon as an issue carries it",
    };
  }

  private issue(number: number): Issue {
    if (!Number.isSafeInteger(number) || number < 1) {
      throw new UserError(`issue number must be a positive integer (got ${number})`);
    }
    const row = this.db.prepare("SELECT * FROM issues WHERE number = ?").get(number) as
      | IssueRow
      | undefined;
    if (!row) throw new UserError(`issue #${number} does not exist in the local tracker`);
    return this.toIssue(row);
  }

  private toIssue(row: IssueRow): Issue {
    const labels = (
      this.db
        .prepare("SELECT label FROM issue_labels WHERE issue = ? ORDER BY label")
        .all(row.number) as {
        label: string;
      }[]
    ).map((l) => l.label);
    return {
      number: row.number,
      title: row.title,
      body: row.body,
      labels,
      state: row.state,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      url: `local-forge:issues/${row.number}`,
    };
  }

  private insertLabels(issue: number, labels: string[], now: string): number {
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO issue_labels (issue, label, added_at) VALUES (?, ?, ?)",
    );
    return labels.reduce((added, label) => added + insert.run(issue, label, now).changes, 0);
  }

  private touch(issue: number, now: string): void {
    this.db.prepare("UPDATE issues SET updated_at = ? WHERE number = ?").run(now, issue);
  }
}

/** Titles are one line: line breaks and tabs become spaces (as GitHub does). */
function checkTitle(title: string): string {
  const line = title.replace(/[\r\n\t]+/g, " ").trim();
  if (line.length === 0) throw new UserError("an issue needs a title", "Give a non-empty title.");
  if (line.length > MAX_TITLE_LENGTH) {
    throw new UserError(`the title is ${line.length} characters; the limit is ${MAX_TITLE_LENGTH}`);
  }
  checkText(line, "the title");
  return line;
}

export function checkBody(body: string): string {
  if (body.length > MAX_BODY_LENGTH) {
    throw new UserError(`the text is ${body.length} characters; the limit is ${MAX_BODY_LENGTH}`);
  }
  checkText(body, "the text");
  return body;
}

/** Text that SQLite could not store faithfully is refused rather than silently altered. */
function checkText(text: string, what: string): void {
  if (/\p{Cs}/u.test(text))
    throw new UserError(`${what} contains invalid Unicode (a lone surrogate)`);
  if (text.includes("\0")) throw new UserError(`${what} contains a NUL character`);
}

function checkLabels(labels: string[]): string[] {
  for (const label of labels) {
    if (!isValidLabel(label)) throw new UserError(`label ${JSON.stringify(label)}: ${LABEL_RULE}`);
  }
  return [...new Set(labels)];
}

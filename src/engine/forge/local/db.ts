/**
 * `.forge-loop/local-forge.db`: the embedded tracker and PR platform. Issues, labels and
 * comments; pull request records with their comments and check runs. WAL, so the
 * `forge-loop issue` commands can add issues while an engine runs.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { UserError } from "../../../shared/errors.js";

export type LocalForgeDb = Database.Database;

const SCHEMA_VERSION = 1;

const schemaV1 = `
  CREATE TABLE IF NOT EXISTS issues (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS issue_labels (
    issue INTEGER NOT NULL REFERENCES issues(number),
    label TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (issue, label)
  );
  CREATE INDEX IF NOT EXISTS issue_labels_by_label ON issue_labels(label);
  CREATE TABLE IF NOT EXISTS issue_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue INTEGER NOT NULL REFERENCES issues(number),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS pull_requests (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    issue INTEGER NOT NULL,
    branch TEXT NOT NULL,
    base TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    draft INTEGER NOT NULL CHECK (draft IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('open', 'merged', 'closed')),
    head_sha TEXT,
    merged_sha TEXT,
    merge_method TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS one_open_pull_request_per_branch
    ON pull_requests(branch) WHERE state = 'open';
  CREATE TABLE IF NOT EXISTS pr_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pr INTEGER NOT NULL REFERENCES pull_requests(number),
    kind TEXT NOT NULL CHECK (kind IN ('comment', 'review', 'review_comment')),
    review_id INTEGER REFERENCES pr_comments(id),
    path TEXT,
    line INTEGER,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS pr_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pr INTEGER NOT NULL REFERENCES pull_requests(number),
    head_sha TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'passing', 'failing', 'skipped')),
    exit_code INTEGER,
    duration_ms INTEGER,
    output_tail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX IF NOT EXISTS pr_checks_by_head ON pr_checks(pr, head_sha);
`;

/**
 * Opens (creating when `create`) the local forge database. Without `create`, a missing
 * file is a UserError, so read-only commands never leave an empty database behind.
 */
export function openLocalForgeDb(path: string, { create }: { create: boolean }): LocalForgeDb {
  if (!create && !existsSync(path)) {
    throw new UserError(
      `no local forge at ${path}`,
      "Add an issue with `forge-loop issue add <title>`, or pass --dir <state dir>.",
    );
  }
  if (create) mkdirSync(dirname(path), { recursive: true });
  let db: LocalForgeDb | undefined;
  try {
    db = new Database(path, { fileMustExist: !create });
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    migrate(db, path);
  } catch (err) {
    if (db?.open) db.close();
    if (err instanceof UserError) throw err;
    throw new UserError(
      `cannot open the local forge at ${path}: ${(err as Error).message}`,
      "Is it a forge-loop local-forge.db? Move it away to start afresh.",
    );
  }
  return db;
}

function migrate(db: LocalForgeDb, path: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UserError(
      `${path} was written by a newer forge-loop (schema ${version}, this one knows ${SCHEMA_VERSION})`,
      "Upgrade forge-loop.",
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(schemaV1);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

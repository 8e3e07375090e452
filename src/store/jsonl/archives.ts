/**
 * Rotated archives of a JSONL stream: `events.jsonl` is renamed to
 * `events.<UTC stamp>-<n>.jsonl` (stamp `20261120T140211123Z`). Names sort oldest first,
 * and `<n>` keeps two rotations in the same millisecond apart. Callers hold the stream's
 * lock, so choosing a free name and renaming to it cannot race another writer.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";

export interface Archive {
  path: string;
  stamp: string;
  n: number;
}

/** Archives of `streamPath`, oldest first. */
export function listArchives(streamPath: string): Archive[] {
  const dir = dirname(streamPath);
  const pattern = archivePattern(streamPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const archives: Archive[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) archives.push({ path: join(dir, name), stamp: match[1]!, n: Number(match[2]) });
  }
  return archives.sort(compareArchives);
}

/**
 * A name no archive has: the stamp of `nowMs`, or the newest existing stamp when the clock
 * went backwards (so names keep sorting in rotation order), with the next free `<n>`.
 */
export function nextArchivePath(streamPath: string, nowMs: number): string {
  const existing = listArchives(streamPath);
  const newest = existing.at(-1);
  let stamp = archiveStamp(nowMs);
  let n = 1;
  if (newest && newest.stamp >= stamp) {
    stamp = newest.stamp;
    n = newest.n + 1;
  }
  const { stem, ext } = splitName(streamPath);
  return join(dirname(streamPath), `${stem}.${stamp}-${n}${ext}`);
}

/** Deletes all but the newest `keep` archives; returns the deleted paths. */
export function pruneArchives(streamPath: string, keep: number): string[] {
  const archives = listArchives(streamPath);
  const doomed = archives.slice(0, Math.max(0, archives.length - keep));
  for (const archive of doomed) {
    try {
      unlinkSync(archive.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return doomed.map((a) => a.path);
}

/** `20261120T140211123Z`: ISO-8601 basic format, safe in file names on every platform. */
export function archiveStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, "");
}

function compareArchives(a: Archive, b: Archive): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return a.n - b.n;
}

function archivePattern(streamPath: string): RegExp {
  const { stem, ext } = splitName(streamPath);
  return new RegExp(`^${escapeRegExp(stem)}\\.(\\d{8}T\\d{9}Z)-(\\d+)${escapeRegExp(ext)}$`);
}

function splitName(streamPath: string): { stem: string; ext: string } {
  const name = basename(streamPath);
  const ext = extname(name);
  return { stem: name.slice(0, name.length - ext.length), ext };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

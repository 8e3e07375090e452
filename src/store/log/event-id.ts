/**
 * Event ids: 32 lower-case hex characters, as the Python forge-loop's. The first 12 are
 * the time in milliseconds and the other 20 are random (80 bits), so ids are unique and
 * new ones land at the end of the `event_id` UNIQUE index instead of all over it: on a
 * long log that is the difference between touching one index page per batch and
 * touching one per event.
 */
import { randomBytes } from "node:crypto";

const RANDOM_HEX = 20;
const IDS_PER_DRAW = 4096;

/** Random bytes drawn in bulk and hex-encoded once: each id takes the next 20 characters. */
let pool = "";
let offset = 0;
/** The time part, formatted once per millisecond (a batch of appends shares a few). */
let lastMs = Number.NaN;
let timeHex = "";

export function newEventId(nowMs: number = Date.now()): string {
  if (offset + RANDOM_HEX > pool.length) {
    pool = randomBytes((RANDOM_HEX / 2) * IDS_PER_DRAW).toString("hex");
    offset = 0;
  }
  const random = pool.slice(offset, offset + RANDOM_HEX);
  offset += RANDOM_HEX;
  if (nowMs !== lastMs) {
    lastMs = nowMs;
    timeHex = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, "0").slice(-12);
  }
  return timeHex + random;
}

/**
 * Event ids: 32 lower-case hex characters, as the Python forge-loop's. The first 12 are
 * the time in milliseconds and the other 20 are random (80 bits), so ids are unique and
 * new ones land at the end of the `event_id` UNIQUE index instead of all over it: on a
 * long log that is the difference between touching one index page per batch and
 * touching one per event.
 */
import { randomBytes } from "node:crypto";

const RANDOM_BYTES = 10;
const IDS_PER_DRAW = 4096;

let pool = Buffer.alloc(0);
let offset = 0;

export function newEventId(nowMs: number = Date.now()): string {
  if (offset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(RANDOM_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const random = pool.toString("hex", offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, "0").slice(-12);
  return time + random;
}

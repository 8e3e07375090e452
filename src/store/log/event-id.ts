/**
 * Event ids: 32 random lower-case hex digits, the shape of the Python log's `uuid4().hex`.
 * Random bytes are drawn in bulk: one `randomBytes` call per event costs more than the
 * rest of the id's work on the append hot path.
 */
import { randomBytes } from "node:crypto";

const ID_BYTES = 16;
const IDS_PER_DRAW = 4096;

let pool = Buffer.alloc(0);
let offset = 0;

export function newEventId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = pool.toString("hex", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

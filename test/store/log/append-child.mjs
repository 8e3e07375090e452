// A separate process appending to a log (see crash.test.ts). Runs the built module.
// argv: <dist dir> <db path> <mode: writer | observer> <batch size>
// writer: appends batches forever, each batch's events sharing one task id `batch:<n>`,
//         and prints "ready" once its first batch committed.
// observer: appends operator commands one at a time forever, printing "ready" after the first.
import { writeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [distDir, dbPath, mode, batchSizeText] = process.argv.slice(2);
const { openEventLog } = await import(
  pathToFileURL(join(distDir, "store/log/sqlite-event-log.js")).href
);
const batchSize = Number(batchSizeText);
const log = openEventLog(dbPath, { mode, busyTimeoutMs: 20_000 });
const tag = `${process.pid}`;

for (let n = 0; ; n++) {
  if (mode === "writer") {
    const inputs = [];
    for (let i = 0; i < batchSize; i++) {
      inputs.push({
        kind: "task.heartbeat",
        payload: { issue: n, attempt: 1, turns: i, tool_uses: i, idle_ms: 0, pad: "x".repeat(200) },
        idempotencyKey: `task.heartbeat:${tag}:b${n}:${i}`,
        taskId: `batch:${tag}:${n}`,
      });
    }
    log.appendBatch(inputs);
  } else {
    log.append({
      kind: "control.requested",
      payload: { request_id: `${tag}-${n}`, command: "resume", by: "operator" },
      idempotencyKey: `control.requested:${tag}-${n}`,
    });
  }
  // Synchronous, so "ready" is out before the next transaction starts.
  if (n === 0) writeSync(1, "ready\n");
}

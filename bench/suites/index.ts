import type { BenchSuite } from "../harness.js";
import { engineSuite } from "./engine.js";
import { foldSuite } from "./fold.js";
import { jsonlSuite } from "./jsonl.js";
import { logSuite } from "./log.js";
import { mirrorSuite } from "./mirror.js";
import { projectionsSuite } from "./projections.js";
import { queueSuite } from "./queue.js";
import { uiSuite } from "./ui.js";

/** Every benchmark suite; each room adds its own. */
export const suites: BenchSuite[] = [
  projectionsSuite,
  logSuite,
  jsonlSuite,
  mirrorSuite,
  foldSuite,
  queueSuite,
  engineSuite,
  uiSuite,
];

import type { BenchSuite } from "../harness.js";

/** Every benchmark suite; each room adds its own. */
export const suites: BenchSuite[] = [];

import { describe } from "vitest";
import { MemoryQueue } from "../../../src/store/queue/memory-queue.js";
import { queueContract } from "./contract.js";

describe("MemoryQueue", () => {
  queueContract((clock, options) => ({ queue: new MemoryQueue(clock, options) }));
});

/** The pipeline's worker thread (see pipeline.ts): prepares the rows of the job it is given. */
import { parentPort, workerData } from "node:worker_threads";
import type { PrepareJob } from "./pipeline-messages.js";
import { prepareEvents } from "./prepare-events.js";

const port = parentPort;
if (port === null) throw new Error("prepare-worker.js runs as a worker thread of the mirror");
prepareEvents(workerData as PrepareJob, (message, transfer) => port.postMessage(message, transfer));

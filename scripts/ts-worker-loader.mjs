// `node --import` this to run TypeScript sources in a worker thread: see ts-worker-hooks.mjs.
import { register } from "node:module";

register("./ts-worker-hooks.mjs", import.meta.url);

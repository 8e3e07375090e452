export * from "./canonical-json.js";
export * from "./envelope.js";
export * from "./ids.js";
export * from "./kinds.js";

/**
 * The config's key tree, read from the zod schema itself: which keys a mapping allows
 * (for "did you mean"), which leaves exist (for environment overrides) and what type a
 * leaf has (to coerce an environment value). Nothing here is written twice.
 */
import type { z } from "zod";
import { configSchema } from "./schema.js";

type AnySchema = z.ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
}

const defOf = (schema: AnySchema): Def => (schema as unknown as { def: Def }).def;

/** Strips defaults, optionality and transforms down to the schema that checks the value. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType && ["default", "prefault", "optional", "nullable"].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  const def = defOf(unwrap(schema));
  return def.type === "object" ? def.shape : undefined;
}

function schemaAt(path: readonly PropertyKey[]): AnySchema | undefined {
  let current: AnySchema | undefined = configSchema;
  for (const key of path) {
    const shape: Record<string, AnySchema> | undefined = current ? shapeOf(current) : undefined;
    if (!shape || typeof key !== "string" || !Object.hasOwn(shape, key)) return undefined;
    current = shape[key];
  }
  return current;
}

/** The keys the mapping at `path` allows (empty when `path` is not a mapping). */
export function keysAt(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  const shape = schema ? shapeOf(schema) : undefined;
  return shape ? Object.keys(shape) : [];
}

/** Top-level keys whose value is a mapping of settings. */
export function sectionKeys(): string[] {
  return keysAt([]).filter((key) => keysAt([key]).length > 0);
}

/** Every setting that holds a value: `["repo"]`, `["scheduling", "parallel"]`, … */
export function leafPaths(): string[][] {
  const leaves: string[][] = [];
  for (const key of keysAt([])) {
    const children = keysAt([key]);
    if (children.length === 0) leaves.push([key]);
    else for (const child of children) leaves.push([key, child]);
  }
  return leaves;
}

/** How a text value (from the environment) becomes the leaf's type. */
export type LeafKind = "text" | "boolean" | "structured";

export function leafKind(path: readonly string[]): LeafKind {
  const schema = schemaAt(path);
  const type = schema ? defOf(unwrap(schema)).type : "string";
  if (type === "string" || type === "enum") return "text";
  if (type === "boolean") return "boolean";
  return "structured";
}

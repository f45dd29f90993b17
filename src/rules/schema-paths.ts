/**
 * Static check of the fact paths rules read, against the published facts schema: a typo such as
 * `facts.gpu.devices[].eccEnable` is a load error naming the rule file and line, not a silent unknown.
 */
import { readPackageJson } from '../util/package-root.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

let factsSchema: JsonSchema | undefined;

/** Schemas reachable from `schema` by one path segment ('[]' = an array element). */
function step(schema: JsonSchema, segment: string): JsonSchema[] {
  const variants = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (variants.length) return variants.flatMap((v) => step(v, segment));
  const out: JsonSchema[] = [];
  if (segment === '[]') {
    if (schema.items) out.push(schema.items);
    // Maps can be indexed with a computed key.
    if (typeof schema.additionalProperties === 'object') out.push(schema.additionalProperties);
    for (const p of Object.values(schema.patternProperties ?? {})) out.push(p);
    return out;
  }
  const prop = schema.properties?.[segment];
  if (prop) out.push(prop);
  else if (typeof schema.additionalProperties === 'object') out.push(schema.additionalProperties);
  for (const [pattern, p] of Object.entries(schema.patternProperties ?? {})) if (new RegExp(pattern).test(segment)) out.push(p);
  return out;
}

export function schemaHasPath(schema: JsonSchema, path: readonly string[]): boolean {
  let current: JsonSchema[] = [schema];
  for (const segment of path) {
    current = current.flatMap((s) => step(s, segment));
    if (current.length === 0) return false;
  }
  return true;
}

export function factsSchemaHasPath(path: readonly string[]): boolean {
  factsSchema ??= readPackageJson<JsonSchema>('schemas', 'facts.schema.json');
  return schemaHasPath(factsSchema, path);
}

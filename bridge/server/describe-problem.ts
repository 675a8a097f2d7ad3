/**
 * What is wrong with a message, in words that never repeat what the client sent. TypeBox error
 * paths are made of property names, and for an unexpected property that name is the client's own
 * text, so every path segment that is not a name our schemas define (or an array index) is masked.
 */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { RequestSchema } from "../../shared/protocol/jsonrpc.ts";
import { Methods } from "../../shared/protocol/schemas.ts";

function collectKeys(schema: unknown, out: Set<string>, seen = new Set<unknown>()): Set<string> {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return out;
  seen.add(schema);
  const s = schema as Record<string, unknown>;
  if (s.properties && typeof s.properties === "object") {
    for (const [k, v] of Object.entries(s.properties)) {
      out.add(k);
      collectKeys(v, out, seen);
    }
  }
  for (const k of ["items", "anyOf", "allOf", "oneOf", "not"]) {
    const v = s[k];
    if (Array.isArray(v)) {
      for (const x of v) collectKeys(x, out, seen);
    } else if (v) collectKeys(v, out, seen);
  }
  return out;
}

/** Every property name the protocol's request and params schemas define. */
const KNOWN = collectKeys({ anyOf: [RequestSchema, ...Object.values(Methods).map((m) => m.params)] }, new Set());

export function safePath(path: string): string {
  if (!path) return "/";
  return path
    .split("/")
    .map((seg, i) => (i === 0 || /^\d{1,6}$/.test(seg) || KNOWN.has(seg.replace(/~1/g, "/").replace(/~0/g, "~")) ? seg : "*"))
    .join("/");
}

/** First problem as "<path>: <what>", or null when valid. */
export function describeProblem(schema: TSchema, value: unknown): string | null {
  if (Value.Check(schema, value)) return null;
  const e = Value.Errors(schema, value).First();
  if (!e) return "invalid";
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    const parent = e.path.split("/").slice(0, -1).join("/");
    return `${safePath(parent)}: unexpected property (this method accepts no other)`;
  }
  return `${safePath(e.path)}: ${e.message}`;
}

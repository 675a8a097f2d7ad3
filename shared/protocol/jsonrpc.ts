/** JSON-RPC 2.0 envelopes, and the limits every message must respect before it is parsed further. */
import { Type } from "@sinclair/typebox";

/** Largest WebSocket message the bridge accepts (ws maxPayload). */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Deepest JSON nesting accepted (objects and arrays). */
export const MAX_JSON_DEPTH = 8;

export const RequestId = Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]);

export const RequestSchema = Type.Object(
  {
    jsonrpc: Type.Literal("2.0"),
    id: RequestId,
    method: Type.String({ maxLength: 64 }),
    params: Type.Optional(Type.Object({})),
  },
  { additionalProperties: false },
);

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}
export interface JsonRpcFailure {
  jsonrpc: "2.0";
  id: string | number | null;
  error: JsonRpcErrorObject;
}

/** Depth of a parsed JSON value (a scalar is 0). Iterative: hostile input cannot blow the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v !== null && typeof v === "object") {
      const nd = d + 1;
      if (nd > max) max = nd;
      if (nd > 64) return nd; // far past any limit: stop walking
      for (const child of Object.values(v as object)) stack.push([child, nd]);
    }
  }
  return max;
}

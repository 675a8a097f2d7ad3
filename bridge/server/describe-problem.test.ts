import { describe, expect, it } from "vitest";
import { RequestSchema } from "../../shared/protocol/jsonrpc.ts";
import { Methods } from "../../shared/protocol/schemas.ts";
import { describeProblem, safePath } from "./describe-problem.ts";

describe("describeProblem", () => {
  it("never repeats a client's property name or value", () => {
    const cases: [unknown, unknown][] = [
      [RequestSchema, { jsonrpc: "2.0", id: 1, method: "bridge.status", params: {}, FZMARK7Q: 1 }],
      [Methods["directory.search"].params, { query: "martin", FZMARK7Q: true }],
      [Methods["trust.check"].params, { address: "a@b.fr", x: { FZMARK7Q: 1 } }],
      [Methods["trust.check"].params, { FZMARK7Q: "FZMARK7Q" }],
      [Methods["directory.search"].params, { query: "FZMARK7Q".repeat(40) }],
    ];
    for (const [schema, value] of cases) {
      const p = describeProblem(schema as never, value);
      expect(p).not.toBeNull();
      expect(p).not.toContain("FZMARK7Q");
    }
  });
  it("keeps the names our schemas define, so the client knows what to fix", () => {
    expect(describeProblem(Methods["directory.search"].params, { query: 42 })).toMatch(/^\/query: /);
    expect(describeProblem(Methods["directory.search"].params, { query: "x", limit: 500 })).toMatch(/^\/limit: /);
    expect(safePath("/params/evil~1name/0")).toBe("/params/*/0");
  });
  it("null when valid", () => {
    expect(describeProblem(Methods["directory.search"].params, { query: "x" })).toBeNull();
  });
});

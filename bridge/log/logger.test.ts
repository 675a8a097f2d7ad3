import { describe, expect, it } from "vitest";
import { createLogger, redact, REDACTED } from "./logger.ts";

describe("logger redaction", () => {
  it("replaces values of secret-looking keys at any depth", () => {
    const r = redact({ secret: "abc", nested: { clientProof: "f00", list: [{ pin: "1234" }] }, method: "card.getState" }) as any;
    expect(r.secret).toBe(REDACTED);
    expect(r.nested.clientProof).toBe(REDACTED);
    expect(r.nested.list[0].pin).toBe(REDACTED);
    expect(r.method).toBe("card.getState");
  });
  it("keeps numeric error codes, drops pairing codes", () => {
    const r = redact({ errorCode: -32002, code: "K7PQ-M2XW" }) as any;
    expect(r.errorCode).toBe(-32002);
    expect(r.code).toBe(REDACTED);
  });
  it("writes one JSON line per event with redacted fields", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), level: "debug" });
    log.info("paired", { origin: "moz-extension://x", secret: "c2VjcmV0" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("c2VjcmV0");
    expect(JSON.parse(lines[0]!).msg).toBe("paired");
  });
  it("survives cycles", () => {
    const a: any = { name: "a" };
    a.self = a;
    expect(() => redact(a)).not.toThrow();
  });
});

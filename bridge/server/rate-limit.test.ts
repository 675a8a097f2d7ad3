import { describe, expect, it } from "vitest";
import { AuthBackoff, TokenBucket } from "./rate-limit.ts";

describe("TokenBucket", () => {
  it("allows a burst, then the refill rate", () => {
    let t = 0;
    const b = new TokenBucket(10, 10, () => t);
    let ok = 0;
    for (let i = 0; i < 20; i++) if (b.take()) ok++;
    expect(ok).toBe(10);
    t += 500;
    ok = 0;
    for (let i = 0; i < 20; i++) if (b.take()) ok++;
    expect(ok).toBe(5);
  });
});

describe("AuthBackoff", () => {
  it("doubles the wait per failure and clears on success", () => {
    let t = 0;
    const b = new AuthBackoff(1000, 8000, () => t);
    expect(b.waitMs("o")).toBe(0);
    b.fail("o");
    expect(b.waitMs("o")).toBe(1000);
    t = 1000;
    b.fail("o");
    expect(b.waitMs("o")).toBe(2000);
    b.fail("o");
    b.fail("o");
    b.fail("o");
    expect(b.waitMs("o")).toBe(8000);
    expect(b.waitMs("other")).toBe(0);
    b.succeed("o");
    expect(b.waitMs("o")).toBe(0);
  });
});

/**
 * Smoke run of `npm run bench:bridge --quick`: the benchmark works end to end (virtual card →
 * private pcscd → bridge → WebSocket; identity over the WebSocket and through pkcs11js). It asserts
 * what was measured, never how fast.
 */
import { describe, expect, it } from "vitest";
import { formatResult, runBridgeBench } from "../../scripts/bench/bridge.ts";
import { missingComponents } from "../harness/require-component.ts";

const skip = missingComponents("server-bench", ["pcscd", "root", "unshare", "softhsm2-util", "pkcs11-tool", "openssl"]);

describe.skipIf(skip)("bench:bridge --quick", () => {
  it("measures insertions and identity reads on both paths", async () => {
    const r = await runBridgeBench({ insertions: 3, reads: 5 });
    console.log(formatResult(r));
    expect("skipped" in r.card).toBe(false);
    if (!("skipped" in r.card)) {
      expect(r.card.raw.n).toBe(3);
      expect(r.card.websocket.n).toBe(3);
      for (const s of [r.card.raw, r.card.websocket, r.card.added]) expect(Number.isFinite(s.p95)).toBe(true);
    }
    expect(r.identity.websocketCached.n).toBe(5);
    expect(r.identity.directWarm.n).toBe(5);
    expect(r.identity.mode).toBe("pcscd");
  }, 180_000);
});

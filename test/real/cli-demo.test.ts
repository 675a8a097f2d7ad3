/**
 * `mss-bridge start --demo`: a real bridge process with the SoftHSM demo token and the simulated
 * card, paired through the native-messaging host, answering as the extension would see it.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { missingComponents } from "../harness/require-component.ts";
import {
  openClient,
  pairWithNativeHost,
  startBridgeProcess,
  TEST_ORIGIN,
  type BridgeProcess,
  type TestClient,
} from "../harness/bridge-process.ts";

const skip = missingComponents("cli-demo", ["softhsm2-util", "pkcs11-tool", "openssl"]);

describe.skipIf(skip)("demo bridge", () => {
  let bridge: BridgeProcess;
  let c: TestClient;
  // The bridge's HOME: whatever the demo does, nothing may appear under it.
  const home = mkdtempSync(path.join(os.tmpdir(), "demo-home-"));
  beforeAll(async () => {
    bridge = await startBridgeProcess({ args: ["--demo"], startTimeoutMs: 90_000, env: { HOME: home } });
    const { secret } = await pairWithNativeHost(bridge);
    c = await openClient(bridge.port, TEST_ORIGIN);
    await c.authenticate(secret);
  });
  afterAll(async () => {
    c?.close();
    expect(await bridge?.stop()).toBe(0);
  });

  it("says demo in the handshake and the status", async () => {
    const d = await openClient(bridge.port, TEST_ORIGIN);
    const hello = await d.call("session.hello", { protocolVersion: 1, clientNonce: `${"A".repeat(43)}=` });
    expect(hello.demo).toBe(true);
    d.close();
    expect((await c.call("bridge.status")).demo).toBe(true);
    expect(bridge.stdout()).toContain("DEMO");
  });

  it("shows a simulated card, labelled as such, with the demo holder's identity and PIN state", async () => {
    const state = await c.call("card.getState");
    expect(state.readers[0].name).toMatch(/simulated/i);
    expect(state.readers[0].cardPresent).toBe(true);
    expect(state.readers[0].model.family).toBe("CPS3");
    const id = await c.call("card.getIdentity");
    expect(id).toMatchObject({ surname: "DÉMO", kind: "personal", idType: "RPPS" });
    expect(id.issuer).toMatch(/DEMO/);
    expect((await c.call("card.getPinStatus")).state).toBe("ok");
  });

  it("uses the bundled test-only trust list", async () => {
    expect((await c.call("trust.list")).testOnly).toBe(true);
    expect((await c.call("trust.check", { address: "camille.demo@medecin.mssante.test" })).verdict).toBe("trusted");
  });

  it("serves a generated directory holding the demo doctor and colleagues", async () => {
    const status = await c.call("directory.status");
    expect(status.count).toBeGreaterThan(1000);
    // Dated when the demo made it: a person trying the demo never sees "stale", whatever the date.
    expect(status.stale).toBe(false);
    expect(status.ageDays).toBeLessThan(1);
    const mine = await c.call("directory.lookupByIdNat", { idNat: "899999000001" });
    expect(mine.entries.map((e: { email: string }) => e.email)).toEqual(["camille.demo@medecin.mssante.test"]);
    const found = await c.call("directory.search", { query: "lefevre cardio" });
    expect(found.results[0].email).toBe("helene.lefevre-durand@hopital-exemple.mssante.test");
  });

  it("never writes into the user's Thunderbird locations", async () => {
    await expect(c.call("card.installModuleManifest")).rejects.toMatchObject({ code: ErrorCode.INSTALL_FAILED });
    await c.call("card.getModuleInfo");
    expect(readdirSync(home)).toEqual([]);
    expect(existsSync(path.join(bridge.dataDir, "demo", "token"))).toBe(true);
  });
});

/**
 * `mss-bridge status` on real components: a private pcscd with the vpcd reader, the TypeScript
 * virtual card (CPS3 ATR) and a CPS-shaped SoftHSM token bound to it — read directly when no bridge
 * runs, and through the running bridge; plus `card.changed` reaching an authenticated client.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDemoToken } from "../../scripts/make-demo-token.ts";
import { missingComponents } from "../harness/require-component.ts";
import { privatePcscd, type PrivatePcscd } from "../harness/pcscd.ts";
import { ATR, VirtualCard } from "../harness/virtual-card.ts";
import { openClient, pairWithNativeHost, runBridgeCli, startBridgeProcess, tempDataDir, TEST_ORIGIN } from "../harness/bridge-process.ts";

const skip = missingComponents("cli-status", ["pcscd", "root", "unshare", "softhsm2-util", "pkcs11-tool", "openssl"]);
const BASE_PORT = 31997; // below the ephemeral port range, see test/harness/pcscd.ts

describe.skipIf(skip)("status and card events with a real reader", () => {
  let pcscd: PrivatePcscd;
  let card: VirtualCard;
  let env: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    const token = await makeDemoToken(path.join(mkdtempSync(path.join(os.tmpdir(), "status-token-")), "token"));
    pcscd = privatePcscd({ basePort: BASE_PORT, friendlyName: "Status PCD" });
    await pcscd.start();
    env = { ...token.env, ...pcscd.env };
    dataDir = tempDataDir();
    writeFileSync(path.join(dataDir, "config.json"), JSON.stringify({ modulePath: token.modulePath, reader: pcscd.readerName(0) }));
    card = new VirtualCard({ port: BASE_PORT });
    await card.insert(ATR.CPS3_CONTACT);
  });
  afterAll(async () => {
    await card?.remove();
    await pcscd?.dispose();
  });

  it("reads reader, model, identity and PIN state directly when no bridge runs", async () => {
    const r = await runBridgeCli(["status", "--json"], { dataDir, env });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.running).toBe(false);
    const reader = s.card.readers.find((x: { name: string }) => x.name === pcscd.readerName(0));
    expect(reader).toMatchObject({ cardPresent: true, atr: ATR.CPS3_CONTACT });
    expect(reader.model.family).toBe("CPS3");
    expect(s.identity).toMatchObject({ surname: "DÉMO", idType: "RPPS" });
    expect(s.pin.state).toBe("ok");
    const text = await runBridgeCli(["status"], { dataDir, env });
    expect(text.stdout).toMatch(/Reader: Status PCD 00 00.*CPS3/);
    expect(text.stdout).toMatch(/PIN: ok/);
  });

  it("through the running bridge: status, and card.changed at an authenticated client", async () => {
    const bridge = await startBridgeProcess({ dataDir, env });
    try {
      const s = JSON.parse((await bridge.cli(["status", "--json"], { env })).stdout);
      expect(s.running).toBe(true);
      expect(s.identity.surname).toBe("DÉMO");
      const { secret } = await pairWithNativeHost(bridge);
      const c = await openClient(bridge.port, TEST_ORIGIN);
      await c.authenticate(secret);
      await card.remove();
      const deadline = Date.now() + 5000;
      while (!c.notifications.some((n) => n.method === "card.changed" && n.params.event === "removed") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(c.notifications.find((n) => n.params.event === "removed")?.params.state.readers[0].cardPresent).toBe(false);
      await expect(c.call("card.getIdentity")).rejects.toMatchObject({ code: -32012 }); // CARD_REMOVED
      await card.insert(ATR.CPS3_CONTACT);
      while (!c.notifications.some((n) => n.params.event === "inserted") && Date.now() < deadline + 5000)
        await new Promise((r) => setTimeout(r, 20));
      expect((await c.call("card.getIdentity")).surname).toBe("DÉMO");
      c.close();
    } finally {
      expect(await bridge.stop()).toBe(0);
    }
  });
});

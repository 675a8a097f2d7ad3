/** The demo card token (scripts/make-demo-token.ts) as `mss-bridge start --demo` uses it. */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenClient } from "../../bridge/token/index.ts";
import { DEMO_HOLDER, makeDemoToken } from "../../scripts/make-demo-token.ts";
import { missingComponents } from "../harness/require-component.ts";

const skip = missingComponents("demo token (SoftHSM2)", ["softhsm2-util", "pkcs11-tool", "openssl"]);

describe.skipIf(skip)("demo card token", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "mss-demo-token-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("builds a token the bridge reads as a clearly labelled DEMO doctor, and reuses it", async () => {
    const demo = await makeDemoToken(path.join(dir, "demo"));
    expect(demo.demo).toBe(true);
    expect(demo.tokenLabel).toBe("CPS-DEMO");
    const c = new TokenClient({ modulePath: demo.modulePath, timeoutMs: 15_000, env: demo.env });
    try {
      const id = await c.readIdentity();
      expect(id).toMatchObject({ surname: "DÉMO", givenName: DEMO_HOLDER.givenName, idNat: DEMO_HOLDER.idNat, idType: "RPPS" });
      expect(id.issuer).toMatch(/^DEMO /);
      expect(id.certificateSha256).toBe(demo.cardCertSha256);
      expect((await c.pinStatus()).state).toBe("ok");
      const [cps] = (await c.listTokens()).filter((t) => t.hasAuthCertificate);
      expect(cps).toMatchObject({ label: "CPS-DEMO", rsaPss: false });
    } finally {
      await c.close();
    }
    const started = Date.now();
    const again = await makeDemoToken(path.join(dir, "demo"));
    expect(again.cardCertSha256).toBe(demo.cardCertSha256);
    expect(Date.now() - started).toBeLessThan(1_000); // reused, not rebuilt
  });

  it("runs as a command and prints what the bridge needs", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      "scripts/make-demo-token.ts",
      path.join(dir, "cli"),
      "--json",
    ]);
    const out = JSON.parse(stdout) as { modulePath: string; env: { SOFTHSM2_CONF: string }; demo: boolean };
    expect(out.demo).toBe(true);
    expect(out.modulePath).toMatch(/libsofthsm2\.so$/);
    expect(out.env.SOFTHSM2_CONF).toBe(path.join(dir, "cli", "token", "softhsm2.conf"));
  });
});

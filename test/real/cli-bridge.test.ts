/**
 * The real `mss-bridge start` process (the service bridge): single instance, file modes, the
 * native-messaging host attaching to it (driven through stdin/stdout like Thunderbird does: a
 * per-launch credential, never the pairing secret), `mss-bridge pair` with a code, status, unpair,
 * install/uninstall into a private HOME, clean SIGTERM shutdown. The lifecycle of a bridge that
 * Thunderbird starts is test/real/native-host-lifecycle.test.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { base64ToBytes, bytesToBase64, openSecret, pairingProof, randomNonce } from "../../shared/protocol/proofs.ts";
import { encodeNativeMessage } from "../../bridge/server/native-messaging.ts";
import { missingComponents } from "../harness/require-component.ts";
import {
  bridgeCommand,
  openClient,
  pairWithCode,
  pairWithNativeHost,
  runBridgeCli,
  startBridgeProcess,
  startNativeHost,
  tempDataDir,
  TEST_ORIGIN,
  type BridgeProcess,
} from "../harness/bridge-process.ts";

const skip = missingComponents("cli-bridge", []);
const CODE_ORIGIN = "moz-extension://7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";

describe.skipIf(skip)("mss-bridge start (real process)", () => {
  let bridge: BridgeProcess;
  let secretB64 = "";
  beforeAll(async () => {
    bridge = await startBridgeProcess();
  });
  afterAll(async () => {
    await bridge?.stop("SIGKILL");
  });

  it("keeps its state user-only: data dir 0700, pairing secret, audit log, control socket 0600", () => {
    const mode = (f: string) => statSync(path.join(bridge.dataDir, f)).mode & 0o777;
    expect(statSync(bridge.dataDir).mode & 0o777).toBe(0o700);
    expect(mode("pairing.json")).toBe(0o600);
    expect(mode("audit.log")).toBe(0o600);
    expect(mode("control.sock")).toBe(0o600);
    expect(statSync(path.join(bridge.dataDir, "control.sock")).isSocket()).toBe(true);
    const rt = JSON.parse(readFileSync(path.join(bridge.dataDir, "runtime.json"), "utf8"));
    expect(rt).toMatchObject({ pid: bridge.pid, port: bridge.port, demo: false });
    expect(JSON.stringify(rt)).not.toContain(JSON.parse(readFileSync(path.join(bridge.dataDir, "pairing.json"), "utf8")).secret);
  });

  it("a second start on the same data directory exits 4 with a clear message", async () => {
    const r = await bridge.cli(["start", "--port", "0"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/already running .*pid \d+/);
  });

  it("the native-messaging host hands over the port and a per-launch credential, never the pairing secret", async () => {
    secretB64 = JSON.parse(readFileSync(path.join(bridge.dataDir, "pairing.json"), "utf8")).secret;
    const { port, secret, host } = await pairWithNativeHost(bridge);
    expect(port).toBe(bridge.port);
    expect(secret).toHaveLength(32);
    expect(bytesToBase64(secret)).not.toBe(secretB64);
    expect(host.stdoutBytes().toString("latin1")).not.toContain(secretB64);
    expect(host.stderr()).toBe("");
    const c = await openClient(bridge.port, TEST_ORIGIN);
    await c.authenticate(secret);
    expect((await c.call("bridge.status")).lifecycle).toBe("service");
    // The credential lives as long as its host stays attached: closing the port withdraws it.
    expect(await host.close()).toBe(0);
    expect((await c.closed).code).toBe(1008);
    const again = await openClient(bridge.port, TEST_ORIGIN);
    await expect(again.authenticate(secret)).rejects.toThrow(/could not prove/);
    again.close();
    // Nothing was added to the stored pairings.
    expect(readFileSync(path.join(bridge.dataDir, "pairing.json"), "utf8")).not.toContain(TEST_ORIGIN);
  });

  it("the native host serves only the MSSanté add-on id", async () => {
    const r = await runBridgeCli(["native-host", "/x/mssante_bridge.json", "someone-else@example.org"], {
      dataDir: bridge.dataDir,
      input: encodeNativeMessage({ type: "hello" }),
    });
    expect(r.code).toBe(3);
    expect(r.stdoutBytes.length).toBe(0);
  });

  it("pairs with a code shown by `mss-bridge pair` and typed into the extension", async () => {
    const self = bridgeCommand();
    const pair = spawn(self.file, [...self.args, "pair", "--data-dir", bridge.dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    pair.stdout.on("data", (d) => (out += d));
    const exit = new Promise<number | null>((r) => pair.on("exit", (c) => r(c)));
    const deadline = Date.now() + 20_000;
    const shownCode = () => /\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(out)?.[1];
    let code = shownCode();
    while (!code) {
      if (Date.now() > deadline) throw new Error(`no code shown: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
      code = shownCode();
    }
    const c = await openClient(bridge.port, CODE_ORIGIN);
    const { pairingNonce } = await c.call("pairing.begin");
    const clientNonce = randomNonce();
    const done = await c.call("pairing.complete", { clientNonce, proof: await pairingProof(code, pairingNonce, clientNonce, CODE_ORIGIN) });
    const secret = await openSecret(done.sealedSecret, code, pairingNonce, clientNonce);
    expect(bytesToBase64(secret)).toBe(secretB64);
    await c.authenticate(secret);
    c.close();
    expect(await exit).toBe(0);
    expect(out).toContain(`Paired: ${CODE_ORIGIN}`);
  });

  it("status --json reports the running bridge and its pairings", async () => {
    const r = await bridge.cli(["status", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ running: true, pid: bridge.pid, port: bridge.port });
    expect(s.pairedOrigins).toEqual([CODE_ORIGIN]); // the native path stores nothing
    expect(s.lifecycle).toBe("service");
    expect(s.card).toHaveProperty("readers");
    expect(r.stdout).not.toContain(secretB64);
  });

  it("unpair forgets an origin: its connections close and it is refused before the upgrade", async () => {
    // Another stored pairing stays, so the bridge keeps refusing unpaired origins at the upgrade.
    await pairWithCode(bridge, TEST_ORIGIN);
    const c = await openClient(bridge.port, CODE_ORIGIN);
    await c.authenticate(base64ToBytes(secretB64));
    const r = await bridge.cli(["unpair", CODE_ORIGIN]);
    expect(r.code).toBe(0);
    expect((await c.closed).code).toBe(1008);
    await expect(openClient(bridge.port, CODE_ORIGIN)).rejects.toMatchObject({ status: 403 });
    expect((await bridge.cli(["unpair"])).code).toBe(2);
    expect((await bridge.cli(["unpair", "https://evil.example"])).code).toBe(3);
  });

  it("never writes the secret to its logs or audit log", () => {
    expect(bridge.stderr()).not.toContain(secretB64);
    expect(bridge.stdout()).not.toContain(secretB64);
    expect(readFileSync(path.join(bridge.dataDir, "audit.log"), "utf8")).not.toContain(secretB64);
  });

  it("SIGTERM shuts down cleanly: exit 0, socket, lock and runtime file removed", async () => {
    const code = await bridge.stop("SIGTERM");
    expect(code).toBe(0);
    for (const f of ["control.sock", "bridge.lock", "runtime.json"]) expect(existsSync(path.join(bridge.dataDir, f)), f).toBe(false);
    expect(existsSync(path.join(bridge.dataDir, "pairing.json"))).toBe(true);
    expect(bridge.stdout()).toContain("mss-bridge stopped");
  });

  it("with no bridge running, status reads directly and `pair` says the bridge is not running", async () => {
    const s = await bridge.cli(["status", "--json"]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).running).toBe(false);
    expect((await bridge.cli(["pair"])).code).toBe(4);
  });
});

describe.skipIf(skip)("single instance and stale locks", () => {
  it("replaces a stale lock left by a dead bridge", async () => {
    const dataDir = tempDataDir();
    writeFileSync(path.join(dataDir, "bridge.lock"), JSON.stringify({ pid: 2 ** 22 + 4321 }));
    const b = await startBridgeProcess({ dataDir });
    expect(JSON.parse(readFileSync(path.join(dataDir, "bridge.lock"), "utf8")).pid).toBe(b.pid);
    expect(await b.stop("SIGINT")).toBe(0);
  });

  it("a port already taken is a clear error (exit 4)", async () => {
    const a = await startBridgeProcess();
    const r = await runBridgeCli(["start", "--port", String(a.port)], { dataDir: tempDataDir() });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/already in use/);
    await a.stop();
  });
});

describe.skipIf(skip)("mss-bridge install / uninstall (private HOME)", () => {
  it("writes the native-messaging manifest for our add-on id and a launcher that Thunderbird can start", async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "home-"));
    const dataDir = tempDataDir();
    const r = await runBridgeCli(["install", "--no-pkcs11"], { dataDir, env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const manifestFile = path.join(home, ".mozilla", "native-messaging-hosts", "mssante_bridge.json");
    const m = JSON.parse(readFileSync(manifestFile, "utf8"));
    expect(m).toMatchObject({ name: "mssante_bridge", type: "stdio", allowed_extensions: ["mssante-thunderbird@mss-bridge"] });
    expect(statSync(m.path).mode & 0o111).not.toBe(0);
    expect(statSync(path.join(dataDir, "pairing.json")).mode & 0o777).toBe(0o600);

    // Thunderbird's way: run `path` with the manifest path and the add-on id, talk on stdin/stdout.
    const bridge = await startBridgeProcess({ dataDir, env: { HOME: home } });
    const host = startNativeHost(dataDir, { command: m.path, args: [manifestFile, "mssante-thunderbird@mss-bridge"], env: { HOME: home } });
    const reply = await host.first;
    expect(reply).toMatchObject({ type: "bridge", port: bridge.port });
    const c = await openClient(bridge.port, TEST_ORIGIN);
    await c.authenticate(base64ToBytes(reply.credential), reply.launchId);
    c.close();
    expect(await host.close()).toBe(0);
    await bridge.stop();

    const u = await runBridgeCli(["uninstall"], { dataDir, env: { HOME: home } });
    expect(u.code).toBe(0);
    expect(existsSync(manifestFile)).toBe(false);
    expect(existsSync(m.path)).toBe(false);
  });

  it("usage and bad input exit codes", async () => {
    expect((await runBridgeCli(["start", "--port", "70000"], { dataDir: tempDataDir() })).code).toBe(3);
    expect((await runBridgeCli(["start", "--dns-server", "nope"], { dataDir: tempDataDir() })).code).toBe(3);
    expect((await runBridgeCli(["frobnicate"])).code).toBe(2);
    expect((await runBridgeCli(["start", "--bogus-flag"], { dataDir: tempDataDir() })).code).toBe(2);
    // A command group without its subcommand: the help, on stderr, and a usage error.
    for (const group of ["directory", "trust"]) {
      const r = await runBridgeCli([group]);
      expect(r.code, group).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`Usage: mss-bridge ${group} \\[options\\] \\[command\\]`));
    }
    // Help asked for is not an error.
    for (const asked of [["directory", "--help"], ["help"], ["help", "trust"]])
      expect((await runBridgeCli(asked)).code, asked.join(" ")).toBe(0);
    expect(ErrorCode.NOT_PAIRED).toBeLessThan(0);
  });
});

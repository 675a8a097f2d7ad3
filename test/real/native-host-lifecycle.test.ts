/**
 * The native-messaging contract, against the bridge as Thunderbird starts it: `mss-bridge
 * native-host` run with the manifest's path and the add-on id, length-prefixed JSON framed on
 * stdin/stdout by the test. With no bridge running for the data directory, the host starts one
 * (port chosen by the system, a fresh credential) and hands it over unasked; closing the host's
 * stdin (the native port closing) ends every process within 2 s; a second host attaches to the
 * running bridge, which lives while any host is attached.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_PORT } from "../../shared/constants.ts";
import { base64ToBytes } from "../../shared/protocol/proofs.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { NativeMessageDecoder } from "../../bridge/server/native-messaging.ts";
import { missingComponents } from "../harness/require-component.ts";
import { alive, allGone, byDataDir, processTree } from "../harness/processes.ts";
import {
  bridgeCommand,
  closeNativeHosts,
  openClient,
  startNativeHost,
  tempDataDir,
  TEST_ORIGIN,
  THUNDERBIRD_ARGS,
  type NativeHost,
} from "../harness/bridge-process.ts";
import type { HandOver } from "../../shared/protocol/native-hand-over.ts";

const skip = missingComponents("native-host-lifecycle", []);
const OTHER_ORIGIN = "moz-extension://5e0c9a1b-2d3f-4a5b-8c6d-7e8f9a0b1c2d";

async function handOver(host: NativeHost): Promise<HandOver> {
  const m = (await host.first) as HandOver;
  expect(m.type, JSON.stringify(m)).toBe("bridge");
  return m;
}

describe.skipIf(skip)("native-messaging host: the bridge as Thunderbird starts it", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), "native-home-"));
  const env = { HOME: home };
  afterEach(async () => {
    await closeNativeHosts();
  });

  it("refuses a wrong or missing add-on id: nothing on stdout, no bridge started", async () => {
    const dataDir = tempDataDir("mss-native-");
    for (const args of [["/x/mssante_bridge.json", "someone-else@example.org"], ["/x/mssante_bridge.json"], []]) {
      const h = startNativeHost(dataDir, { args, env });
      expect(await h.exited, args.join(" ")).toBe(3);
      expect(h.stdoutBytes().length).toBe(0);
      expect(h.stderr()).toMatch(/refusing/);
    }
    expect(existsSync(path.join(dataDir, "runtime.json"))).toBe(false);
    expect(byDataDir(dataDir)).toEqual([]);
  });

  it("starts a bridge and hands it over unasked; the credential authenticates; stdin closed → every process gone within 2 s", async () => {
    const dataDir = tempDataDir("mss-native-");
    const host = startNativeHost(dataDir, { env });
    const h = await handOver(host); // nothing was sent to the host
    expect(h.port).toBeGreaterThan(0);
    expect(h.port).not.toBe(DEFAULT_PORT);
    expect(h.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(base64ToBytes(h.credential)).toHaveLength(32);
    expect(h.launchId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const c = await openClient(h.port, TEST_ORIGIN);
    await c.authenticate(base64ToBytes(h.credential), h.launchId);
    const status = await c.call("bridge.status");
    expect(status.lifecycle).toBe("hosted");
    expect(status.pid).not.toBe(host.pid); // the bridge runs apart from the host Thunderbird signals
    // The IPv6 loopback too, when the machine has one.
    const rt = JSON.parse(readFileSync(path.join(dataDir, "runtime.json"), "utf8"));
    expect(rt).toMatchObject({ pid: status.pid, port: h.port });
    // The credential belongs to the origin that used it first.
    const other = await openClient(h.port, OTHER_ORIGIN);
    await expect(other.authenticate(base64ToBytes(h.credential), h.launchId)).rejects.toThrow(/could not prove/);
    other.close();
    // Nothing persisted: not in the pairing file, not in the logs.
    expect(readFileSync(path.join(dataDir, "pairing.json"), "utf8")).not.toContain(h.credential);
    expect(statSync(path.join(dataDir, "bridge.log")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dataDir, "bridge.log"), "utf8")).not.toContain(h.credential);
    expect(readFileSync(path.join(dataDir, "audit.log"), "utf8")).not.toContain(h.credential);

    const pids = [...new Set([...processTree(host.pid), ...processTree(status.pid), ...byDataDir(dataDir)])];
    expect(pids.length).toBeGreaterThanOrEqual(3); // the host, the bridge and at least its PC/SC child
    const t0 = Date.now();
    void host.close(); // Thunderbird closes stdin when the port closes
    const ms = await allGone(pids, t0, 2_000);
    console.log(`native-host-lifecycle: stdin closed → ${pids.length} processes gone in ${ms} ms`);
    expect(await host.exited).toBe(0);
    expect(byDataDir(dataDir)).toEqual([]);
    for (const f of ["runtime.json", "bridge.lock", "control.sock"]) expect(existsSync(path.join(dataDir, f)), f).toBe(false);
    expect((await c.closed).code).toBeGreaterThan(0);
    expect(readFileSync(path.join(dataDir, "audit.log"), "utf8")).toMatch(/bridge\.stop/);
    // stdout carried exactly one native message, and nothing else.
    const stdout = host.stdoutBytes();
    expect(new NativeMessageDecoder().push(stdout)).toHaveLength(1);
    expect(stdout.readUInt32LE(0) + 4).toBe(stdout.length);
  });

  it("started as a package's system manifest starts it: the program with only the manifest's path and the add-on id", async () => {
    const dataDir = tempDataDir("mss-native-");
    // No `native-host` command word: Thunderbird runs the manifest's path with its two arguments.
    const self = bridgeCommand(); // the single executable itself with MSS_BRIDGE_EXECUTABLE, as a package's manifest names it
    const host = startNativeHost(dataDir, {
      command: self.file,
      args: [...self.args, ...THUNDERBIRD_ARGS],
      env: { ...env, MSS_BRIDGE_HOME: dataDir },
    });
    const h = await handOver(host);
    const c = await openClient(h.port, TEST_ORIGIN);
    await c.authenticate(base64ToBytes(h.credential), h.launchId);
    expect((await c.call("bridge.status")).lifecycle).toBe("hosted");
    c.close();
    void host.close();
    expect(await host.exited).toBe(0);
    // With another add-on id, the same call is refused.
    const other = startNativeHost(dataDir, {
      command: self.file,
      args: [...self.args, THUNDERBIRD_ARGS[0], "someone-else@example.org"],
      env: { ...env, MSS_BRIDGE_HOME: dataDir },
    });
    expect(await other.exited).toBe(3);
    expect(other.stdoutBytes().length).toBe(0);
  });

  it("SIGTERM (what Thunderbird sends 3 s after closing stdin) ends it the same way", async () => {
    const dataDir = tempDataDir("mss-native-");
    const host = startNativeHost(dataDir, { env });
    const h = await handOver(host);
    const c = await openClient(h.port, TEST_ORIGIN);
    await c.authenticate(base64ToBytes(h.credential), h.launchId);
    const { pid } = await c.call("bridge.status");
    const pids = [...new Set([...processTree(host.pid), ...processTree(pid)])];
    const t0 = Date.now();
    host.proc.kill("SIGTERM");
    const ms = await allGone(pids, t0, 2_000);
    console.log(`native-host-lifecycle: SIGTERM → ${pids.length} processes gone in ${ms} ms`);
    expect(byDataDir(dataDir)).toEqual([]);
  });

  it("a second host attaches to the running bridge, which outlives the first host while the second is open", async () => {
    const dataDir = tempDataDir("mss-native-");
    const first = startNativeHost(dataDir, { env });
    const h1 = await handOver(first);
    const second = startNativeHost(dataDir, { env });
    const h2 = await handOver(second);
    expect(h2.port).toBe(h1.port); // the running bridge's port, no second bridge
    expect(h2.credential).not.toBe(h1.credential); // each host its own credential
    expect(h2.launchId).not.toBe(h1.launchId);
    const c1 = await openClient(h1.port, TEST_ORIGIN);
    await c1.authenticate(base64ToBytes(h1.credential), h1.launchId);
    const c2 = await openClient(h2.port, OTHER_ORIGIN);
    await c2.authenticate(base64ToBytes(h2.credential), h2.launchId);
    const { pid } = await c2.call("bridge.status");
    expect((await c1.call("bridge.status")).pid).toBe(pid);

    // The profile that started the bridge quits first: its host goes, the bridge stays.
    expect(await first.close()).toBe(0);
    expect((await c1.closed).code).toBe(1008); // its credential is withdrawn with it
    await new Promise((r) => setTimeout(r, 2_500));
    expect(alive(pid)).toBe(true);
    expect((await c2.call("bridge.status")).pid).toBe(pid);
    // A third host (the first profile started again) still reaches the same bridge.
    const third = startNativeHost(dataDir, { env });
    expect((await handOver(third)).port).toBe(h1.port);
    expect(await third.close()).toBe(0);
    expect(alive(pid)).toBe(true);

    const pids = [...new Set([...processTree(second.pid), ...processTree(pid)])];
    const t0 = Date.now();
    void second.close();
    const ms = await allGone(pids, t0, 2_000);
    console.log(`native-host-lifecycle: last host's stdin closed → ${pids.length} processes gone in ${ms} ms`);
    expect(byDataDir(dataDir)).toEqual([]);
  });

  it("with nativeHost.startsBridge false (IT runs a service) and no service running, it says so and starts nothing", async () => {
    const dataDir = tempDataDir("mss-native-");
    writeFileSync(path.join(dataDir, "config.json"), JSON.stringify({ nativeHost: { startsBridge: false } }), { mode: 0o600 });
    const host = startNativeHost(dataDir, { env });
    expect(await host.first).toMatchObject({ type: "error", code: "BRIDGE_UNAVAILABLE", message: expect.stringMatching(/service/) });
    expect(await host.exited).toBe(4);
    expect(existsSync(path.join(dataDir, "runtime.json"))).toBe(false);
    expect(byDataDir(dataDir)).toEqual([]);
  });

  it("two hosts started at once share one bridge", async () => {
    const dataDir = tempDataDir("mss-native-");
    const [a, b] = [startNativeHost(dataDir, { env }), startNativeHost(dataDir, { env })];
    const [ha, hb] = await Promise.all([handOver(a), handOver(b)]);
    expect(ha.port).toBe(hb.port);
    const pids = [...new Set([...processTree(a.pid), ...processTree(b.pid), ...byDataDir(dataDir)])];
    await Promise.all([a.close(), b.close()]);
    await allGone(pids, Date.now(), 2_000);
    expect(byDataDir(dataDir)).toEqual([]);
  });
});

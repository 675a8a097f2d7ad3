/**
 * Thunderbird starts the bridge (docs/protocol.md §4), in a real Thunderbird 153: after the one-time
 * `mss-bridge install` and no `mss-bridge start`, the extension's native port starts the bridge on a
 * port the system chooses and connects with the per-launch credential; two users' Thunderbirds at
 * once (two private HOMEs, two data directories) each reach their own bridge; quitting a
 * Thunderbird leaves no bridge process of its data directory behind.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDON_ID, DEFAULT_PORT } from "../../shared/constants.ts";
import { readRuntimeFile } from "../../bridge/app/runtime-file.ts";
import { missingComponents } from "../harness/require-component.ts";
import { E2E_COMPONENTS, e2eDataDir, HOSTS, PACKAGED, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { runBridgeCli } from "../harness/bridge-process.ts";
import { alive, allGone, byDataDir, byProgram } from "../harness/processes.ts";

/** The executable the .deb installs (what its system manifest names). */
const INSTALLED_PROGRAM = "/usr/lib/mss-bridge/mss-bridge";
import { startThunderbird, type Thunderbird } from "../harness/thunderbird.ts";
import { extStatus, waitForBridgeKind } from "./ui-session.ts";

const reason = missingComponents("e2e bridge lifecycle (Thunderbird starts the bridge)", E2E_COMPONENTS);

async function bridgeStatus(
  dataDir: string,
  home: string,
): Promise<{ pid: number; port: number; lifecycle: string; attachedHosts: number }> {
  const r = await runBridgeCli(["status", "--json"], { dataDir, env: { HOME: home } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(reason)("Thunderbird starts the bridge: no command, no fixed port, nothing to pair", () => {
  let env: E2EEnv;
  let second: Thunderbird | null = null;

  beforeAll(async () => {
    env = await startE2EEnv(); // `mss-bridge install`, no `mss-bridge start`
  });

  afterAll(async () => {
    await second?.stop();
    await env?.stop();
  });

  it("the extension's native port started the bridge, which it reached with no code", async () => {
    expect(env.bridge).toBeNull();
    const s = await waitForBridgeKind(env.tb!.driver, (k) => k === "connected", "the extension to reach the bridge", 60_000);
    const rt = env.runningBridge();
    expect(rt).not.toBeNull();
    expect(s.bridge.port).toBe(rt!.port);
    expect(rt!.port).not.toBe(DEFAULT_PORT);
    const status = await bridgeStatus(env.bridgeDataDir, env.home);
    expect(status).toMatchObject({ pid: rt!.pid, port: rt!.port, lifecycle: "hosted", attachedHosts: 1 });
    expect(alive(rt!.pid)).toBe(true);
  });

  it("two users' Thunderbirds at once each reach their own bridge", async () => {
    // The second user: another HOME and data directory, the same one-time install, the same card.
    const home2 = path.join(env.root, "home2");
    const dataDir2 = e2eDataDir(home2, path.join(env.root, "bridge2"));
    mkdirSync(home2, { recursive: true });
    mkdirSync(dataDir2, { recursive: true, mode: 0o700 });
    copyFileSync(path.join(env.bridgeDataDir, "config.json"), path.join(dataDir2, "config.json"));
    if (!PACKAGED) {
      // From the sources, each user's one-time install; the package's system manifest needs none.
      const installed = await runBridgeCli(["install", "--no-pkcs11"], { dataDir: dataDir2, env: { HOME: home2 } });
      expect(installed.code, installed.stderr).toBe(0);
    }
    second = await startThunderbird({
      home: home2,
      extensions: { [ADDON_ID]: env.extensionXpi },
      extensionUuids: { [ADDON_ID]: "7b2e3d4c-5f60-4b7c-9d8e-0f1a2b3c4d5e" },
      localDomains: Object.values(HOSTS),
      pin: env.token.pin,
      parentDir: env.root,
      env: { ...env.token.env },
    });
    const s2 = await waitForBridgeKind(second.driver, (k) => k === "connected", "the second extension to reach its bridge", 60_000);
    const rt1 = env.runningBridge()!;
    const rt2 = readRuntimeFile(path.join(dataDir2, "runtime.json"))!;
    expect(rt2).not.toBeNull();
    expect(rt2.pid).not.toBe(rt1.pid);
    expect(rt2.port).not.toBe(rt1.port);
    expect(s2.bridge.port).toBe(rt2.port);
    expect((await extStatus(env.tb!.driver))?.bridge.port).toBe(rt1.port);
    expect(await bridgeStatus(dataDir2, home2)).toMatchObject({ pid: rt2.pid, lifecycle: "hosted", attachedHosts: 1 });
    expect(await bridgeStatus(env.bridgeDataDir, env.home)).toMatchObject({ pid: rt1.pid, attachedHosts: 1 });

    // The second user quits Thunderbird: its bridge and host are gone, the first user's bridge stays.
    const pids2 = byDataDir(dataDir2);
    expect(pids2).toContain(rt2.pid);
    const t0 = Date.now();
    await second.stop();
    second = null;
    const ms = await allGone(pids2, t0, 15_000);
    console.log(`[e2e] bridge lifecycle: Thunderbird quit → its bridge's processes gone in ${ms} ms`);
    expect(byDataDir(dataDir2)).toEqual([]);
    expect(existsSync(path.join(dataDir2, "runtime.json"))).toBe(false);
    expect(alive(rt1.pid)).toBe(true);
  });

  it("after quitting Thunderbird no bridge process is left", async () => {
    const rt = env.runningBridge()!;
    // Packaged, the host has no --data-dir (Thunderbird runs the executable with its two arguments):
    // every process of the installed program counts too.
    const pids = [...new Set([...byDataDir(env.bridgeDataDir), ...(PACKAGED ? byProgram(INSTALLED_PROGRAM) : [])])];
    expect(pids).toContain(rt.pid);
    const t0 = Date.now();
    await env.tb!.stop();
    const ms = await allGone(pids, t0, 15_000);
    console.log(`[e2e] bridge lifecycle: Thunderbird quit → its bridge's processes gone in ${ms} ms`);
    expect(byDataDir(env.bridgeDataDir)).toEqual([]);
    if (PACKAGED) expect(byProgram(INSTALLED_PROGRAM)).toEqual([]);
    expect(env.runningBridge()).toBeNull();
  });
});

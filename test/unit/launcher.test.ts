/**
 * bin/mss-bridge.mjs runs the bridge's bundle (dist/bridge/) only while it is up to date with every
 * project file it was built from, else the TypeScript sources, so an edited tree never runs stale
 * code. Checked on the real launcher and a real bundle; the one source file aged here gets its
 * modification time back.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packageFile } from "../../bridge/platform/package-root.ts";
import { buildBridge } from "../../scripts/build-bridge.mjs";

const BIN = packageFile("bin/mss-bridge.mjs");

function launch(env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, "--version"], {
    encoding: "utf8",
    env: { ...process.env, MSS_BRIDGE_DEBUG_LAUNCH: "1", ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

// Each launch from the sources compiles them (2–4 s on a loaded 2-core machine); a test makes three.
describe("the mss-bridge launcher", { timeout: 30_000 }, () => {
  beforeAll(async () => {
    await buildBridge();
  }, 60_000);

  it("runs the bundle when it is up to date, and records what it was built from", () => {
    const inputs = (JSON.parse(readFileSync(packageFile("dist/bridge/inputs.json"), "utf8")) as { inputs: string[] }).inputs;
    expect(inputs).toEqual(
      expect.arrayContaining(["bridge/cli.ts", "bridge/app/version.ts", "shared/protocol/schemas.ts", "package.json"]),
    );
    expect(inputs.some((p) => p.startsWith("node_modules/"))).toBe(false);
    const r = launch();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(JSON.parse(readFileSync(packageFile("package.json"), "utf8")).version);
    expect(r.stderr).not.toMatch(/running from sources/);
  });

  it("falls back to the sources when a source changed after the build, with the same answer", () => {
    const file = packageFile("bridge/app/version.ts");
    const before = statSync(file);
    const later = new Date(statSync(packageFile("dist/bridge/cli.mjs")).mtimeMs + 60_000);
    utimesSync(file, later, later);
    try {
      const r = launch();
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`running from sources: ${path.posix.join("bridge", "app", "version.ts")} changed after the last build`);
      expect(r.stdout).toBe(launch({ MSS_BRIDGE_FROM_SOURCE: "1" }).stdout);
    } finally {
      utimesSync(file, before.atime, before.mtime);
    }
    expect(launch().stderr).not.toMatch(/running from sources/);
  });

  it("MSS_BRIDGE_FROM_SOURCE=1 forces the sources", () => {
    const r = launch({ MSS_BRIDGE_FROM_SOURCE: "1" });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("running from sources: MSS_BRIDGE_FROM_SOURCE=1");
  });
});

/**
 * The layers are enforced by the linter (biome.json: noRestrictedImports per folder, see
 * docs/architecture.md). This test proves the rules bite: each probe file, written into a scratch
 * copy of the tree's shape with the project's own biome.json, must fail (an import that runs up a
 * layer or out of bridge/ and shared/) or pass (an import down the layers).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIOME = path.join(ROOT, "node_modules", ".bin", "biome");

// [file, import specifier, allowed?]
const PROBES: [string, string, boolean][] = [
  ["bridge/card/probe.ts", "../app/bridge-app.ts", false],
  ["bridge/token/probe.ts", "../card/card-service.ts", false],
  ["bridge/directory/search/probe.ts", "../index/packed-index.ts", false],
  ["bridge/directory/index/probe.ts", "../import/records.ts", false],
  ["bridge/pairing/probe.ts", "../server/upgrade-checks.ts", false],
  ["bridge/platform/probe.ts", "../log/logger.ts", false],
  ["bridge/server/probe.ts", "../cli/start.ts", false],
  ["bridge/app/probe.ts", "../demo/demo.ts", false],
  ["bridge/trust/probe.ts", "../../test/harness/pki.ts", false],
  ["bridge/directory/probe.ts", "../../scripts/generate-directory.ts", false],
  ["shared/domain/probe.ts", "../../bridge/log/logger.ts", false],
  ["shared/domain/probe.ts", "node:fs", false],
  ["extension/background/probe.ts", "../../bridge/services.ts", false],
  ["extension/background/probe.ts", "node:path", false],
  // allowed: down the layers
  ["bridge/card/probe.ts", "../token/index.ts", true],
  ["bridge/server/probe.ts", "../pairing/pairing-store.ts", true],
  ["bridge/app/probe.ts", "../server/ws-server.ts", true],
  ["bridge/directory/index/probe.ts", "../search/normalize.ts", true],
  ["extension/background/probe.ts", "../../shared/domain/address.ts", true],
];

const scratch = mkdtempSync(path.join(os.tmpdir(), "layers-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function lint(file: string, specifier: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(scratch, "p-"));
  const config = JSON.parse(readFileSync(path.join(ROOT, "biome.json"), "utf8"));
  config.$schema = undefined;
  config.vcs = { enabled: false }; // the scratch copy is no git checkout
  writeFileSync(path.join(dir, "biome.json"), JSON.stringify(config));
  mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  writeFileSync(path.join(dir, file), `import { probe } from "${specifier}";\nexport const used = probe;\n`);
  try {
    const output = execFileSync(BIOME, ["lint", "--only=style/noRestrictedImports", file], { cwd: dir, encoding: "utf8", stdio: "pipe" });
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

describe("the linter enforces the layers", () => {
  it.each(PROBES)("%s importing %s: allowed=%s", (file, specifier, allowed) => {
    const r = lint(file, specifier);
    if (allowed) expect(r.ok, r.output).toBe(true);
    else {
      expect(r.ok).toBe(false);
      expect(r.output).toMatch(/noRestrictedImports|must not import|ground floor|imports shared/);
    }
  });
});

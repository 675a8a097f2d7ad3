/**
 * docs/configuration.md stays true: it names every `mss-bridge start` option and every key of the
 * default configuration, and its JSON examples load as configurations.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../bridge/config/config.ts";
import { loadConfig } from "../../bridge/config/load-config.ts";
import { LOCKED_KEYS, MACHINE_CONFIG_ENV, machineConfigPath, validateMachineConfig } from "../../bridge/config/machine-config.ts";
import { packageFile } from "../../bridge/platform/package-root.ts";

const doc = readFileSync(packageFile("docs/configuration.md"), "utf8");

/** "directory.refreshHours", … : the leaves of the defaults, objects of free keys kept whole. */
function keyPaths(o: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) => {
    const p = prefix + k;
    const isPlainObject = v !== null && typeof v === "object" && !Array.isArray(v);
    return isPlainObject && Object.keys(v).length > 0 ? keyPaths(v as Record<string, unknown>, `${p}.`) : [p];
  });
}

describe("docs/configuration.md", () => {
  it("names every option of mss-bridge start", () => {
    const source = readFileSync(packageFile("bridge/cli/start.ts"), "utf8") + readFileSync(packageFile("bridge/cli/common.ts"), "utf8");
    const options = [...source.matchAll(/\.option\("(--[a-z-]+)/g)].map((m) => m[1]!);
    expect(options).toEqual(expect.arrayContaining(["--port", "--dns-server", "--data-dir"]));
    for (const o of options) expect(doc, `${o} is not documented`).toContain(`\`${o}`);
  });

  it("names every key of the default configuration", () => {
    const keys = keyPaths(defaultConfig() as unknown as Record<string, unknown>).filter((k) => k !== "demo");
    expect(keys.length).toBeGreaterThan(15);
    for (const k of keys) expect(doc, `${k} is not documented`).toContain(`\`${k}\``);
  });

  it("names the machine configuration's files, its variable and every locked key", () => {
    for (const platform of ["linux", "darwin"] as const) expect(doc).toContain(`\`${machineConfigPath(platform, {})}\``);
    expect(doc).toContain("`%ProgramData%\\MSSante\\Bridge\\config.json`");
    expect(doc).toContain(`\`$${MACHINE_CONFIG_ENV}\``);
    const section = doc.slice(doc.indexOf("## The machine configuration"), doc.indexOf("## `mss-bridge start` options"));
    for (const k of LOCKED_KEYS) expect(section, `locked key ${k} is not documented`).toContain(`\`${k}\``);
  });

  it("has JSON examples that load as configurations (and as a machine configuration)", () => {
    const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const dir = mkdtempSync(path.join(os.tmpdir(), "config-doc-"));
    for (const [i, text] of examples.entries()) {
      const file = path.join(dir, `config-${i}.json`);
      writeFileSync(file, text);
      const c = loadConfig(file, { machineFile: null });
      expect(c.port).toBe(defaultConfig().port); // merged over the defaults
      expect(() => validateMachineConfig(JSON.parse(text), file)).not.toThrow();
    }
  });
});

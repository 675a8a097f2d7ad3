/**
 * The FHIR API's keys in the configuration: off by default; IT's machine file may give one key to
 * every user of a terminal server and lock each bridge's share of the key's 17 calls per second
 * (`directory.live.requestsPerSecond`), which a user's config.json then cannot raise; the lock
 * notice names the key, never its value.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./config.ts";
import { loadConfigLayers } from "./load-config.ts";
import { lockedKeyNotice, validateMachineConfig } from "./machine-config.ts";

function files(machine: unknown, user: unknown) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "live-config-"));
  const machineFile = path.join(dir, "machine.json");
  const userFile = path.join(dir, "config.json");
  writeFileSync(machineFile, JSON.stringify(machine), { mode: 0o644 });
  writeFileSync(userFile, JSON.stringify(user));
  return { machineFile, userFile };
}

describe("directory.live in the configuration", () => {
  it("is off by default: no key; the official v2 address and ANS's 17 calls per second", () => {
    expect(defaultConfig().directory.live).toMatchObject({
      apiKey: null,
      baseUrl: "https://gateway.api.esante.gouv.fr/fhir/v2",
      requestsPerSecond: 17,
      minQueryLength: 4,
    });
  });

  it("IT's key and per-bridge rate are locked; the user's debounce is theirs", () => {
    const { machineFile, userFile } = files(
      { directory: { live: { apiKey: "IT-KEY-0001", requestsPerSecond: 0.5 } } },
      { directory: { live: { apiKey: "MY-OWN-KEY", requestsPerSecond: 17, debounceMs: 500 } } },
    );
    const l = loadConfigLayers(userFile, { machineFile });
    expect(l.config.directory.live).toMatchObject({ apiKey: "IT-KEY-0001", requestsPerSecond: 0.5, debounceMs: 500 });
    expect(l.overridden).toEqual(["directory.live.apiKey", "directory.live.requestsPerSecond"]);
    const notice = l.overridden.map((k) => lockedKeyNotice(k, machineFile, "config.json")).join("\n");
    expect(notice).not.toMatch(/IT-KEY-0001|MY-OWN-KEY/);
  });

  it("a user's own key works where IT set none; a misspelt live key in the machine file is refused", () => {
    const { machineFile, userFile } = files({ directory: { refreshHours: 24 } }, { directory: { live: { apiKey: "MY-OWN-KEY" } } });
    expect(loadConfigLayers(userFile, { machineFile }).config.directory.live.apiKey).toBe("MY-OWN-KEY");
    expect(() => validateMachineConfig({ directory: { live: { apikey: "x" } } }, "m.json")).toThrow(/directory\.live\.apikey/);
    expect(() => validateMachineConfig({ directory: { live: { requestsPerSecond: "17" } } }, "m.json")).toThrow(/number/);
  });
});

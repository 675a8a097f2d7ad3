import { describe, expect, it } from "vitest";
import {
  type Check,
  canWork,
  checkConfig,
  checkDataDir,
  checkDirectory,
  checkManifest,
  checkModule,
  checkSandbox,
  checkThunderbird,
  type ConfigFacts,
  type DirectoryFacts,
  type ManifestFacts,
  type ModuleFacts,
  type ThunderbirdFacts,
} from "./doctor-checks.ts";
import { formatReport } from "./format-report.ts";

const supported = { min: 153, max: 158 };
const tb = (over: Partial<ThunderbirdFacts> = {}): ThunderbirdFacts => ({
  found: { version: "153.8.0esr", major: 153, esr: true, where: "/usr/bin/thunderbird" },
  sandboxed: [],
  supported,
  ...over,
});
const SNAP = { kind: "snap" as const, where: "/snap/thunderbird" };

/** Every check says something in both languages, and what to do unless it is OK. */
function wellFormed(c: Check): Check {
  expect(c.fr.length).toBeGreaterThan(10);
  expect(c.en.length).toBeGreaterThan(10);
  if (c.verdict === "ok") expect(c.fixFr ?? c.fixEn).toBeUndefined();
  else {
    expect(c.fixFr).toBeTruthy();
    expect(c.fixEn).toBeTruthy();
  }
  return c;
}

describe("Thunderbird's version and channel", () => {
  it("an ESR in the supported range: OK", () => {
    expect(wellFormed(checkThunderbird(tb())).verdict).toBe("ok");
  });
  it("a Release in the range: ATTENTION (Experiments are to stop on Release)", () => {
    const c = wellFormed(checkThunderbird(tb({ found: { version: "156.0", major: 156, esr: false, where: "/opt/thunderbird" } })));
    expect(c).toMatchObject({ verdict: "warn" });
    expect(c.en).toContain("not the ESR");
  });
  it("older than the minimum, or newer than the last version tested: ÉCHEC", () => {
    expect(wellFormed(checkThunderbird(tb({ found: { version: "128.5.0esr", major: 128, esr: true, where: "x" } }))).verdict).toBe("fail");
    const newer = wellFormed(checkThunderbird(tb({ found: { version: "159.0", major: 159, esr: false, where: "x" } })));
    expect(newer.verdict).toBe("fail");
    expect(newer.en).toContain("disables the extension");
  });
  it("none found: ÉCHEC; only a sandboxed one: ÉCHEC that says so", () => {
    expect(wellFormed(checkThunderbird(tb({ found: null }))).en).toContain("not found");
    const c = wellFormed(checkThunderbird(tb({ found: null, sandboxed: [SNAP] })));
    expect(c.verdict).toBe("fail");
    expect(c.en).toContain("only a snap or Flatpak");
  });
});

describe("snap and Flatpak Thunderbird", () => {
  it("none: OK", () => expect(wellFormed(checkSandbox(tb())).verdict).toBe("ok"));
  it("only a snap: ÉCHEC, unsupported said plainly", () => {
    const c = wellFormed(checkSandbox(tb({ found: null, sandboxed: [SNAP] })));
    expect(c.verdict).toBe("fail");
    expect(c.en).toContain("NOT SUPPORTED");
    expect(c.en).toContain("cannot load Cryptolib CPS");
    expect(c.fr).toContain("NON PRIS EN CHARGE");
  });
  it("a Flatpak beside a regular Thunderbird: ATTENTION, use the regular one", () => {
    const c = wellFormed(checkSandbox(tb({ sandboxed: [{ kind: "flatpak", where: "/var/lib/flatpak/app/org.mozilla.Thunderbird" }] })));
    expect(c.verdict).toBe("warn");
    expect(c.fixEn).toContain("/usr/bin/thunderbird");
  });
});

describe("the card's module", () => {
  const base: ModuleFacts = {
    configured: null,
    cryptolib: [{ path: "/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so", exists: true }],
    alternative: null,
    installFr: "Installez Cryptolib CPS.",
    installEn: "Install Cryptolib CPS.",
  };
  it("Cryptolib CPS present: OK", () =>
    expect(wellFormed(checkModule(base)).en).toBe("Cryptolib CPS: /opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so."));
  it("absent but OpenSC present: ATTENTION (CPS3 only)", () => {
    const c = wellFormed(
      checkModule({
        ...base,
        cryptolib: [{ ...base.cryptolib[0]!, exists: false }],
        alternative: { name: "OpenSC", path: "/usr/lib/opensc-pkcs11.so" },
      }),
    );
    expect(c.verdict).toBe("warn");
    expect(c.en).toContain("not a CPS4");
  });
  it("no module at all: ÉCHEC with the install hint", () => {
    const c = wellFormed(checkModule({ ...base, cryptolib: [{ ...base.cryptolib[0]!, exists: false }] }));
    expect(c).toMatchObject({ verdict: "fail", fixEn: "Install Cryptolib CPS." });
  });
  it("a configured module: OK when present, ÉCHEC naming who set it when not", () => {
    expect(wellFormed(checkModule({ ...base, configured: { path: "/m.so", exists: true, fromMachine: true } })).en).toContain(
      "set by the machine configuration (IT)",
    );
    const c = wellFormed(checkModule({ ...base, configured: { path: "/m.so", exists: false, fromMachine: false } }));
    expect(c).toMatchObject({ verdict: "fail", fixEn: "Fix modulePath in config.json." });
  });
});

describe("manifests Thunderbird reads", () => {
  const user = { file: "/home/u/.mozilla/native-messaging-hosts/mssante_bridge.json", problem: null };
  const sys = { file: "/usr/lib/mozilla/native-messaging-hosts/mssante_bridge.json", problem: null };
  const facts = (over: Partial<ManifestFacts>): ManifestFacts => ({
    kind: "native-messaging",
    name: "mssante_bridge",
    user: null,
    system: [],
    ...over,
  });
  it("the user's or the system's alone: OK", () => {
    expect(wellFormed(checkManifest(facts({ user }))).verdict).toBe("ok");
    expect(wellFormed(checkManifest(facts({ system: [sys] }))).verdict).toBe("ok");
  });
  it("a user manifest shadowing the system one: ATTENTION naming both", () => {
    const c = wellFormed(checkManifest(facts({ user, system: [sys] })));
    expect(c.verdict).toBe("warn");
    expect(c.en).toBe(`Native-messaging host mssante_bridge: the user's (${user.file}) shadows the system's (${sys.file}).`);
  });
  it("none: ATTENTION, run mss-bridge install", () => {
    const c = wellFormed(checkManifest(facts({ kind: "pkcs11", name: "mssante_cps" })));
    expect(c).toMatchObject({ verdict: "warn", id: "pkcs11-manifest" });
    expect(c.fixEn).toContain("mss-bridge install");
  });
  it("the one Thunderbird reads is broken: ÉCHEC", () => {
    const c = wellFormed(checkManifest(facts({ user: { ...user, problem: "its path /gone does not exist" }, system: [sys] })));
    expect(c.verdict).toBe("fail");
    expect(c.en).toContain("/gone does not exist");
  });
});

describe("the data directory", () => {
  it("private: OK; not created: ATTENTION; writable by others: ÉCHEC with the fix", () => {
    expect(wellFormed(checkDataDir({ dir: "/d", exists: true, unsafe: null })).verdict).toBe("ok");
    expect(wellFormed(checkDataDir({ dir: "/d", exists: false, unsafe: null })).verdict).toBe("warn");
    const c = wellFormed(checkDataDir({ dir: "/d", exists: true, unsafe: "Fix it with: chmod 700 '/d'." }));
    expect(c).toMatchObject({ verdict: "fail", fixEn: "Fix it with: chmod 700 '/d'." });
  });
});

describe("the directory index's age (the clock injected)", () => {
  const now = Date.parse("2026-03-10T12:00:00Z");
  const f = (over: Partial<DirectoryFacts>): DirectoryFacts => ({
    source: "offline",
    ldapUrl: null,
    dbPath: "/d/directory",
    shared: false,
    index: { count: 1000, sourceDate: "2026-03-08T00:00:00Z", builtAt: "2026-03-09T01:00:00Z" },
    error: null,
    now,
    staleAfterDays: 7,
    ...over,
  });
  it("recent: OK, with its age from the extraction's date", () => {
    const c = wellFormed(checkDirectory(f({})));
    expect(c.verdict).toBe("ok");
    expect(c.en).toBe("Offline directory: 1000 addresses, extraction of 2026-03-08, 2 day(s) ago.");
  });
  it("older than a week: ATTENTION; a shared one says IT refreshes it", () => {
    const old = { count: 5, sourceDate: null, builtAt: "2026-02-01T00:00:00Z" };
    expect(wellFormed(checkDirectory(f({ index: old }))).fixEn).toContain("mss-bridge directory import");
    const shared = wellFormed(checkDirectory(f({ index: old, shared: true })));
    expect(shared.verdict).toBe("warn");
    expect(shared.en).toContain("shared read-only");
    expect(shared.fixEn).toContain("refreshed by IT");
  });
  it("missing or unusable: ATTENTION; LDAP: OK", () => {
    expect(wellFormed(checkDirectory(f({ index: null }))).en).toContain("missing");
    expect(wellFormed(checkDirectory(f({ index: null, error: "truncated" }))).en).toContain("unusable (truncated)");
    expect(wellFormed(checkDirectory(f({ source: "ldap", ldapUrl: "ldaps://x", index: null }))).verdict).toBe("ok");
  });
});

describe("the configuration", () => {
  const f = (over: Partial<ConfigFacts>): ConfigFacts => ({
    machineFile: "/etc/mss-bridge/config.json",
    state: "ok",
    error: null,
    ownedByUser: false,
    keys: ["modulePath", "port"],
    locked: ["modulePath"],
    overridden: [],
    ...over,
  });
  it("no machine file, or a sound one: OK, listing the locked keys", () => {
    expect(wellFormed(checkConfig(f({ state: "none", keys: [], locked: [] }))).verdict).toBe("ok");
    expect(wellFormed(checkConfig(f({}))).en).toBe("Machine configuration (IT) /etc/mss-bridge/config.json: 2 key(s), locked: modulePath.");
  });
  it("config.json changing a locked key, or a machine file the user owns: ATTENTION", () => {
    expect(wellFormed(checkConfig(f({ overridden: ["modulePath"] }))).fixEn).toBe("Remove modulePath from config.json.");
    expect(wellFormed(checkConfig(f({ ownedByUser: true }))).fixEn).toContain("sudo chown root:");
  });
  it("a refused file: ÉCHEC with the loader's message", () => {
    const c = wellFormed(
      checkConfig(f({ state: "error", error: 'The machine configuration x is refused: "a" is not a configuration key.' })),
    );
    expect(c.verdict).toBe("fail");
    expect(c.fixEn).toContain('"a" is not a configuration key');
  });
});

describe("the report", () => {
  const okCheck: Check = { id: "a", verdict: "ok", fr: "Tout va bien.", en: "All is well." };
  const warn: Check = { id: "b", verdict: "warn", fr: "Attention.", en: "Careful.", fixFr: "Faites ceci.", fixEn: "Do this." };
  const fail: Check = { id: "c", verdict: "fail", fr: "Échec.", en: "Failed.", fixFr: "Réparez.", fixEn: "Repair." };
  it("French first, then English, then what to do in both; a summary in both", () => {
    expect(formatReport([okCheck, warn])).toEqual([
      "OK         Tout va bien.",
      "           All is well.",
      "ATTENTION  Attention.",
      "           Careful.",
      "           → À faire : Faites ceci.",
      "           → To do: Do this.",
      "",
      "Bilan : 1 OK, 1 ATTENTION, 0 ÉCHEC — ce PC peut fonctionner.",
      "Summary: 1 OK, 1 ATTENTION, 0 ÉCHEC — this PC can work.",
    ]);
    expect(formatReport([okCheck, fail]).at(-1)).toBe("Summary: 1 OK, 0 ATTENTION, 1 ÉCHEC — this PC cannot work as it is.");
    expect(formatReport([fail])[0]).toBe("ÉCHEC      Échec.");
  });
  it("the PC cannot work when one check failed; ATTENTION does not stop it", () => {
    expect(canWork([okCheck, warn])).toBe(true);
    expect(canWork([okCheck, warn, fail])).toBe(false);
  });
});

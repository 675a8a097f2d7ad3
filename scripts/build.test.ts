/**
 * Runs `npm run build` (scripts/build.mjs) into a temporary directory and checks the .xpi that a
 * doctor would install: manifest at the root with the right id, versions and permissions, the
 * Experiment's files and schema, both locales, the bundles, and nothing test-only inside; and the
 * bridge's bundles (dist/bridge/): the demo apart from the command line that ships.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDON_ID } from "../shared/constants.ts";
import { MSS_ACCOUNTS_FUNCTIONS } from "../extension/experiments/mssAccounts/src/api.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "mss-build-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(out));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

function build(out: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs"), "--out", out], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

let files: Map<string, Buffer>;
let manifest: any;
const text = (name: string) => files.get(name)!.toString("utf8");

beforeAll(async () => {
  const log = build(path.join(tmp, "plain"));
  expect(log).toMatch(/built .*mssante-thunderbird\.xpi/);
  files = await readZip(path.join(tmp, "plain", "mssante-thunderbird.xpi"));
  manifest = JSON.parse(text("manifest.json"));
}, 60_000);

describe("the built .xpi", () => {
  it("has the manifest at its root with the add-on id and the version policy", () => {
    expect(manifest.manifest_version).toBe(2);
    expect(manifest.browser_specific_settings.gecko).toEqual({
      id: ADDON_ID,
      strict_min_version: "153.0",
      strict_max_version: expect.stringMatching(/^1[5-9][0-9]\.\*$/),
      update_url: "https://github.com/mssante-thunderbird/mssante-thunderbird/releases/latest/download/updates.json",
    });
    expect(manifest.background).toEqual({ scripts: ["background.js"], persistent: true });
    expect(manifest.default_locale).toBe("fr");
  });

  it("asks for exactly the permissions it uses", () => {
    expect([...manifest.permissions].sort()).toEqual([
      "accountsRead",
      "addressBooks",
      "compose",
      "messagesModify",
      "messagesRead",
      "messagesTags",
      "messagesTagsList",
      "messagesUpdate",
      "nativeMessaging",
      "notifications",
      "pkcs11",
      "storage",
    ]);
    expect(manifest.content_security_policy).toBeUndefined(); // MV2 default CSP: ws://127.0.0.1 allowed, no eval
  });

  it("carries the Experiment: schema and parent script where the manifest says", () => {
    const exp = manifest.experiment_apis.mssAccounts;
    expect(exp.parent).toMatchObject({ scopes: ["addon_parent"], paths: [["mssAccounts"]] });
    expect(files.has(exp.schema)).toBe(true);
    expect(files.has(exp.parent.script)).toBe(true);
    const schema = JSON.parse(text(exp.schema));
    expect(schema[0].namespace).toBe("mssAccounts");
    // The API the extension calls (extension/experiments/mss-accounts.test.ts checks the sources the same way).
    expect(schema[0].functions.map((f: { name: string }) => f.name).sort()).toEqual(Object.keys(MSS_ACCOUNTS_FUNCTIONS).sort());
    // Built from src/ (TypeScript) into one IIFE whose only global is the API class.
    expect(text(exp.parent.script)).toMatch(/^var mssAccounts = \(\(\) => \{$/m);
    expect(text(exp.parent.script)).toMatch(/^mssAccounts = mssAccounts\.default;\s*$/m);
    expect([...files.keys()].filter((f) => f.startsWith("experiments/mssAccounts/")).sort()).toEqual([
      "experiments/mssAccounts/implementation.js",
      "experiments/mssAccounts/schema.json",
    ]);
  });

  it("carries the parent search Experiment: connect and disconnect, its parent script with its own timers and Web Crypto", () => {
    const exp = manifest.experiment_apis.mssDirectorySearch;
    expect(exp.parent).toEqual({
      scopes: ["addon_parent"],
      paths: [["mssDirectorySearch"]],
      script: "experiments/mssDirectorySearch/implementation.js",
    });
    expect(JSON.parse(text(exp.schema))[0].functions.map((f: { name: string }) => f.name)).toEqual(["connect", "disconnect"]);
    const script = text(exp.parent.script);
    expect(script).toMatch(/^mssDirectorySearch = mssDirectorySearch\.default;\s*$/m);
    // The globals the protocol code uses come from src/parent-globals.ts, not Thunderbird's shared scope.
    expect(script).not.toMatch(/globalThis\.crypto/);
    expect(script).toMatch(/wantGlobalProperties: \["crypto"/);
  });

  it("carries the read-receipt Experiment: one event, its schema and parent script, no startup event", () => {
    const exp = manifest.experiment_apis.mssReadReceipts;
    expect(exp.parent).toEqual({
      scopes: ["addon_parent"],
      paths: [["mssReadReceipts"]],
      script: "experiments/mssReadReceipts/implementation.js",
    });
    expect(JSON.parse(text(exp.schema))[0].events.map((e: { name: string }) => e.name)).toEqual(["onAnswered"]);
    expect(text(exp.parent.script)).toMatch(/^mssReadReceipts = mssReadReceipts\.default;\s*$/m);
    expect([...files.keys()].filter((f) => f.startsWith("experiments/")).sort()).toEqual([
      "experiments/mssAccounts/implementation.js",
      "experiments/mssAccounts/schema.json",
      "experiments/mssComposeFields/implementation.js",
      "experiments/mssComposeFields/schema.json",
      "experiments/mssDirectorySearch/implementation.js",
      "experiments/mssDirectorySearch/schema.json",
      "experiments/mssReadReceipts/implementation.js",
      "experiments/mssReadReceipts/schema.json",
    ]);
  });

  it("has both locales with the same messages, and every __MSG_ of the manifest", () => {
    const fr = JSON.parse(text("_locales/fr/messages.json"));
    const en = JSON.parse(text("_locales/en/messages.json"));
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const m of JSON.stringify(manifest).match(/__MSG_(\w+)__/g) ?? []) expect(fr[m.slice(6, -2)]).toBeDefined();
  });

  it("contains every file the manifest and the pages refer to", () => {
    for (const f of [
      "background.js",
      manifest.browser_action.default_popup,
      manifest.browser_action.default_icon,
      ...Object.values(manifest.icons as Record<string, string>),
    ])
      expect(files.has(f)).toBe(true);
    for (const page of ["pages/setup/setup", "pages/popup/popup", "pages/guard/guard"]) {
      expect(files.has(`${page}.html`)).toBe(true);
      expect(files.has(`${page}.js`)).toBe(true);
      expect(text(`${page}.html`)).toContain(`src="${path.basename(page)}.js"`);
    }
    for (const icon of ["mss-off", "mss-nocard", "mss-ok", "mss-warn", "mss-error"]) expect(files.has(`icons/${icon}.svg`)).toBe(true);
  });

  it("ships nothing test-only and no eval", () => {
    const names = [...files.keys()];
    expect(names.filter((n) => /test|fake|\.ts$|\.map$/i.test(n))).toEqual([]);
    for (const n of names.filter((x) => x.endsWith(".js"))) {
      const js = text(n);
      expect(js).not.toMatch(/FakeBridge|createFakeMessenger|test-support|mssdbg|@mozilla\.org\/prompter/);
      expect(js).not.toMatch(/new Function\(|\beval\(/);
    }
    expect(JSON.parse(text("data/igc-sante-cas.json")).includesExtra).toBe(false);
    // Not a test build: a test-only trust list is never kept as the saved copy.
    expect(text("background.js")).toMatch(/testBuild: false\b/);
  });

  it("adds the CAs of MSS_EXTRA_CA_DIR only when asked, and says so", async () => {
    const caDir = path.join(tmp, "cas");
    mkdirSync(caDir);
    writeFileSync(path.join(caDir, "test-ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n");
    build(path.join(tmp, "extra"), { MSS_EXTRA_CA_DIR: caDir });
    const extra = await readZip(path.join(tmp, "extra", "mssante-thunderbird.xpi"));
    const cas = JSON.parse(extra.get("data/igc-sante-cas.json")!.toString("utf8"));
    expect(cas.includesExtra).toBe(true);
    expect(extra.get("background.js")!.toString("utf8")).toMatch(/testBuild: true\b/); // a test/demo build
    // A test/demo build never updates itself from the releases (no MSS_UPDATE_URL given).
    expect(JSON.parse(extra.get("manifest.json")!.toString("utf8")).browser_specific_settings.gecko.update_url).toBeUndefined();
    expect(existsSync(path.join(tmp, "extra", "updates.json"))).toBe(false);
    // The shipped IGC-Santé set (extension/data/igc-sante-cas/), as in a plain build, then the extra CA.
    const shipped = JSON.parse(text("data/igc-sante-cas.json")).certificates;
    expect(shipped.some((c: { name: string }) => c.name.startsWith("extra:"))).toBe(false);
    expect(cas.certificates).toEqual([
      ...shipped,
      { name: "extra:test-ca.pem", pem: "-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----" },
    ]);
  }, 60_000);
});

describe("updates of an extension not pinned by policy (updates.json beside the .xpi)", () => {
  const sha256 = (f: string) => `sha256:${createHash("sha256").update(readFileSync(f)).digest("hex")}`;

  it("lists this version with the .xpi's SHA-256, its download link and the Thunderbird versions of the manifest", () => {
    const updates = JSON.parse(readFileSync(path.join(tmp, "plain", "updates.json"), "utf8"));
    const gecko = manifest.browser_specific_settings.gecko;
    expect(updates).toEqual({
      addons: {
        [ADDON_ID]: {
          updates: [
            {
              version: manifest.version,
              update_link: `https://github.com/mssante-thunderbird/mssante-thunderbird/releases/download/v${manifest.version}/mssante-thunderbird-${manifest.version}.xpi`,
              update_hash: sha256(path.join(tmp, "plain", "mssante-thunderbird.xpi")),
              applications: { gecko: { strict_min_version: gecko.strict_min_version, strict_max_version: gecko.strict_max_version } },
            },
          ],
        },
      },
    });
  });

  it("takes the update URL and the download link from MSS_UPDATE_URL and MSS_UPDATE_LINK, or none at all", async () => {
    build(path.join(tmp, "intranet"), {
      MSS_UPDATE_URL: "https://intranet.example/mss/updates.json",
      MSS_UPDATE_LINK: "https://intranet.example/mss/{version}/ext.xpi",
    });
    const built = await readZip(path.join(tmp, "intranet", "mssante-thunderbird.xpi"));
    const m = JSON.parse(built.get("manifest.json")!.toString("utf8"));
    expect(m.browser_specific_settings.gecko.update_url).toBe("https://intranet.example/mss/updates.json");
    const entry = JSON.parse(readFileSync(path.join(tmp, "intranet", "updates.json"), "utf8")).addons[ADDON_ID].updates[0];
    expect(entry.update_link).toBe(`https://intranet.example/mss/${m.version}/ext.xpi`);
    expect(entry.update_hash).toBe(sha256(path.join(tmp, "intranet", "mssante-thunderbird.xpi")));

    build(path.join(tmp, "pinned"), { MSS_UPDATE_URL: "none" });
    const pinned = await readZip(path.join(tmp, "pinned", "mssante-thunderbird.xpi"));
    expect(JSON.parse(pinned.get("manifest.json")!.toString("utf8")).browser_specific_settings.gecko.update_url).toBeUndefined();
    expect(existsSync(path.join(tmp, "pinned", "updates.json"))).toBe(false);
    // Thunderbird fetches update manifests over https only: anything else fails the build.
    expect(() => build(path.join(tmp, "http"), { MSS_UPDATE_URL: "http://intranet.example/updates.json" })).toThrow(/https:\/\//);
  }, 60_000);
});

describe("the bridge's bundles", () => {
  const bundle = (name: string) => readFileSync(path.join(root, "dist", "bridge", `${name}.mjs`), "utf8");
  // Names and strings found only in the directory generator (bridge/demo/generator/) and the demo
  // token maker (bridge/demo/demo-token.ts, pki.ts): its classes and functions, word
  // tables (ASCII ones: the bundler escapes accents), the DEMO CA's name.
  const DEMO_ONLY = [
    "DirectoryFaker",
    "buildGeography",
    "mulberry32",
    "Comptes rendus imagerie",
    "DES HAUTS DE",
    "createTestPki",
    "DEMO TEST AC IGC-SANTE",
  ];

  it("keep the directory generator and the demo token maker out of the command line, in demo.mjs", () => {
    const cli = bundle("cli");
    const demo = bundle("demo");
    for (const s of DEMO_ONLY) {
      expect(cli, s).not.toContain(s);
      expect(demo, s).toContain(s);
    }
    // The command line loads the demo at run time, by URL: the bundler cannot inline it.
    expect(cli).toContain("onDemandModuleUrl");
  });
});

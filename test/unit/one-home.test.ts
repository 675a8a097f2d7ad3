/**
 * Concepts with one home: each was once copied in several places, the copies drifting apart. This
 * scans the sources (shared/, bridge/, extension/, scripts/, test/) and fails when one of these
 * names is defined (`function NAME`, `const NAME =`, `let NAME =`, `class NAME`) anywhere but in
 * its home: import it from there instead.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packageFile } from "../../bridge/platform/package-root.ts";

const HOMES: Record<string, string[]> = {
  // The bundles of dist/bridge/ and the bridge's child processes and worker threads (one list,
  // bundles.json, read by the build too).
  "bridge/platform/child-entry.ts": ["BRIDGE_BUNDLES", "CHILD_ENTRIES", "WORKER_ENTRIES", "ON_DEMAND_ENTRIES"],
  // The fake card holder of the unit tests.
  "test/fixtures/identity.ts": ["DUPONT_IDENTITY"],
  // Its holder and CA, as the test PKI issues their certificates (the demo card's too).
  "bridge/demo/pki.ts": ["DEFAULT_DOCTOR", "TEST_CA_NAME"],
  // Names shown to people.
  "shared/domain/title-case.ts": ["titleCase"],
  // Addresses and domain names (IDNA), for the bridge and the extension alike.
  "shared/domain/address.ts": ["domainToAscii", "normalizeAddress", "normalizeDomain", "asciiDomainAddress", "normalizeTypedAddress"],
  // Seeded randomness (directory generator, protocol fuzzer) and the index's address hash.
  "bridge/demo/generator/mulberry32.ts": ["mulberry32"],
  "bridge/directory/index/hash32.ts": ["hash32"],
};

/** Names of the copies that were folded into the homes above: defined nowhere any more. */
const RETIRED = ["normaliseAddress", "asciiDomain", "ldapMail", "FAKE_IDENTITY", "DUPONT_HOLDER"];

const ROOTS = ["shared", "bridge", "extension", "scripts", "test"];
const SKIP_DIRS = new Set(["node_modules", "dist", "corpus"]);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(packageFile(dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) sourceFiles(rel, out);
    } else if (/\.(ts|mts|mjs|js)$/.test(e.name)) out.push(rel);
  }
  return out;
}

const files = ROOTS.flatMap((r) => sourceFiles(r)).map((rel) => ({ rel, text: readFileSync(packageFile(rel), "utf8") }));

function definitions(name: string): string[] {
  const def = new RegExp(`(?:\\bfunction\\*?\\s+${name}\\s*[<(]|\\b(?:const|let|var|class)\\s+${name}\\b\\s*[=:{<])`);
  return files.filter((f) => def.test(f.text)).map((f) => f.rel);
}

describe("one home for each concept", () => {
  it("scans the whole tree", () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.map((f) => f.rel)).toEqual(expect.arrayContaining(Object.keys(HOMES)));
  });

  for (const [home, names] of Object.entries(HOMES)) {
    for (const name of names) {
      it(`${name} is defined only in ${home}`, () => {
        expect(definitions(name)).toEqual([home]);
      });
    }
  }

  it("the copies folded into them are gone", () => {
    for (const name of RETIRED) expect([name, definitions(name)]).toEqual([name, []]);
  });

  it("the child processes' and worker threads' sources are listed only in bridge/platform/bundles.json", () => {
    const bundles = JSON.parse(readFileSync(packageFile("bridge/platform/bundles.json"), "utf8")) as Record<string, Record<string, string>>;
    const sources = [...Object.values(bundles.children!), ...Object.values(bundles.workers!)];
    expect(sources.length).toBe(4);
    for (const src of sources) {
      expect([src, files.filter((f) => f.text.includes(`"${src}"`)).map((f) => f.rel)]).toEqual([src, []]);
    }
  });

  it("no DUPONT identity literal (surname and certificate serial) outside the fixture", () => {
    const literal = /surname:\s*"DUPONT"[^}]*certificateSerial:|certificateSerial:[^}]*surname:\s*"DUPONT"/;
    expect(files.filter((f) => f.rel !== "test/fixtures/identity.ts" && literal.test(f.text)).map((f) => f.rel)).toEqual([]);
    // What it would have caught: the copies this fixture replaced.
    const copy = ['{ idNat: "810001234567", surname: ', '"DUPONT", givenName: "JEAN", certificateSerial: "01" }'].join("");
    expect(literal.test(copy)).toBe(true);
  });

  it("the IDNA conversion runs through the shared one: node:url's domainToASCII only in tests", () => {
    const users = files
      .filter((f) => /import\s*\{[^}]*\bdomainToASCII\b[^}]*\}\s*from\s*["']node:url["']/.test(f.text) && !f.rel.endsWith(".test.ts"))
      .map((f) => f.rel);
    expect(users).toEqual([]);
  });

  it("shared/ imports nothing from Node (it runs in Thunderbird too), tests aside", () => {
    const nodeImports = files
      .filter((f) => f.rel.startsWith("shared/") && !f.rel.endsWith(".test.ts") && /from\s+["']node:/.test(f.text))
      .map((f) => f.rel);
    expect(nodeImports).toEqual([]);
  });
});

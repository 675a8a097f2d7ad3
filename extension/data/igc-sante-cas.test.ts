/**
 * The IGC-Santé CA set shipped in extension/data/igc-sante-cas/ (scripts/build.mjs packages it):
 * one CA certificate per PEM file, each a CA (basicConstraints cA, keyCertSign), valid on the day
 * the set was checked (SOURCES.md's date, passed in as the clock: the test never reads today's
 * date), with the SHA-256 fingerprint recorded in SOURCES.md, chaining to a root of the set, and
 * none a card/person ("PERSONNES") or test-range ("TEST") CA.
 */
import "reflect-metadata"; // @peculiar/x509 needs a Reflect polyfill, loaded before it
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509Certificate } from "@peculiar/x509";
import { describe, expect, it } from "vitest";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "igc-sante-cas");

/** The day the set was checked against its sources (SOURCES.md, "Checked on"). */
const CHECKED_ON = "2026-12-07";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const SHA256 = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

function sha256Fingerprint(cert: X509Certificate): string {
  const hex = createHash("sha256").update(new Uint8Array(cert.rawData)).digest("hex").toUpperCase();
  return (hex.match(/../g) ?? []).join(":");
}

/** Valid at `clock`: within [notBefore, notAfter]. */
function validAt(cert: X509Certificate, clock: Date): boolean {
  return cert.notBefore.getTime() <= clock.getTime() && clock.getTime() <= cert.notAfter.getTime();
}

function commonName(dn: string): string {
  return /(?:^|,\s*)CN=([^,]+)/.exec(dn)?.[1]?.trim() ?? "";
}

/** SOURCES.md's table rows whose first cell is a `*.pem` file: file -> SHA-256 fingerprint. */
function recordedFingerprints(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) continue;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim().replace(/^`|`$/g, ""));
    const file = cells[0];
    if (!file?.endsWith(".pem")) continue;
    const fingerprint = cells.find((c) => SHA256.test(c));
    if (!fingerprint) throw new Error(`SOURCES.md: no SHA-256 fingerprint on the row of ${file}`);
    if (out.has(file)) throw new Error(`SOURCES.md: two rows for ${file}`);
    out.set(file, fingerprint);
  }
  return out;
}

const sources = readFileSync(path.join(dir, "SOURCES.md"), "utf8");
const files = readdirSync(dir)
  .filter((n) => n.endsWith(".pem") || n.endsWith(".crt"))
  .sort();
const pemText = (file: string) => readFileSync(path.join(dir, file), "utf8");
const parsed = (file: string) => new X509Certificate(pemText(file));

describe("the shipped IGC-Santé CA set", () => {
  it("is not empty, and SOURCES.md records exactly its files, checked on the day the test uses", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.endsWith(".pem"))).toBe(true);
    expect([...recordedFingerprints(sources).keys()].sort()).toEqual(files);
    expect(sources).toContain(`Checked on: **${CHECKED_ON}**`);
  });

  it.each(files)("%s holds exactly one certificate, which parses", (file) => {
    expect(pemText(file).match(PEM_BLOCK)).toHaveLength(1);
    expect(() => parsed(file)).not.toThrow();
  });

  it.each(files)("%s is a CA: basicConstraints cA, keyCertSign", (file) => {
    const cert = parsed(file);
    expect(cert.getExtension(BasicConstraintsExtension)?.ca).toBe(true);
    const usages = cert.getExtension(KeyUsagesExtension)?.usages ?? 0;
    expect(usages & KeyUsageFlags.keyCertSign).toBe(KeyUsageFlags.keyCertSign);
  });

  it.each(files)("%s is valid on the day the set was checked, and ends after it starts", (file) => {
    const cert = parsed(file);
    expect(cert.notAfter.getTime()).toBeGreaterThan(cert.notBefore.getTime());
    expect(validAt(cert, new Date(`${CHECKED_ON}T00:00:00Z`))).toBe(true);
  });

  it.each(files)("%s has the SHA-256 fingerprint recorded in SOURCES.md", (file) => {
    expect(sha256Fingerprint(parsed(file))).toBe(recordedFingerprints(sources).get(file));
  });

  it.each(files)("%s is neither a card/person CA nor a test-range CA", (file) => {
    const cn = commonName(parsed(file).subject);
    expect(cn).toMatch(/IGC-SANTE/);
    expect(cn).not.toMatch(/PERSONNES/i);
    expect(cn).not.toMatch(/^TEST\b/i);
  });

  it.each(files)("%s chains to a self-signed root of the set", async (file) => {
    const all = files.map(parsed);
    let cert = parsed(file);
    for (let depth = 0; depth < 5; depth++) {
      const issuer = all.find((c) => c.subject === cert.issuer);
      if (!issuer) throw new Error(`${file}: the issuer of ${cert.subject} is not in the set`);
      expect(await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true })).toBe(true);
      if (issuer.subject === cert.subject) return; // a self-signed root, its own signature checked
      cert = issuer;
    }
    throw new Error(`${file}: no root within 5 levels`);
  });
});

describe("validAt (the clock is passed in)", () => {
  const root = parsed("ac-racine-igc-sante-elementaire.pem");
  it("is false before notBefore and after notAfter, true in between", () => {
    expect(validAt(root, new Date(root.notBefore.getTime() - 1))).toBe(false);
    expect(validAt(root, new Date(root.notAfter.getTime() + 1))).toBe(false);
    expect(validAt(root, root.notBefore)).toBe(true);
  });
});

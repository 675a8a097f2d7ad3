import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type AddedCA,
  allowListOf,
  checkServerCA,
  packagedCaBodies,
  parseAddedCAs,
  removalPlan,
  trustPlan,
  trustString,
  withAddedCA,
} from "./server-cas.ts";

const CA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../data/igc-sante-cas");
const ROOT = readFileSync(path.join(CA_DIR, "ac-racine-igc-sante-elementaire.pem"), "utf8");
const ORGS = readFileSync(path.join(CA_DIR, "ac-igc-sante-elementaire-organisations.pem"), "utf8");
const body = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
/** As NSS writes it: "AB:CD:…". */
const sha256 = (b64: string) => new X509Certificate(Buffer.from(b64, "base64")).fingerprint256;
const hex = (pem: string) => sha256(body(pem)).replace(/:/g, "").toLowerCase();

/** The package's data/igc-sante-cas.json, as scripts/build.mjs writes it. */
const PACKAGED = {
  includesExtra: false,
  certificates: [
    { name: "ac-igc-sante-elementaire-organisations.pem", pem: ORGS, subjectCN: "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" },
    { name: "ac-racine-igc-sante-elementaire.pem", pem: ROOT, subjectCN: "AC RACINE IGC-SANTE ELEMENTAIRE" },
  ],
};

describe("the server CAs the Experiment may trust", () => {
  const allowed = allowListOf(packagedCaBodies(PACKAGED)!, sha256);

  it("are the package's CAs, by SHA-256 fingerprint", () => {
    expect([...allowed.keys()].sort()).toEqual([hex(ORGS), hex(ROOT)].sort());
    expect(packagedCaBodies({ certificates: [{ pem: "junk" }, { pem: ROOT }, null] })).toEqual([body(ROOT)]);
    expect(packagedCaBodies(null)).toBeNull();
    expect(packagedCaBodies({ certificates: "x" })).toBeNull();
  });

  it("accepts a shipped CA however its PEM is wrapped, and trusts the package's own copy", () => {
    const rewrapped = `junk before\n${ROOT.replace(/\n/g, "\r\n")}`;
    expect(checkServerCA(rewrapped, allowed, sha256)).toEqual({ ok: true, base64: body(ROOT), fingerprint: hex(ROOT) });
  });

  it("refuses any other certificate with ca-not-allowed, and a non-certificate as invalid", () => {
    // A real certificate that is not in the list: one of the two lists without the other.
    const onlyRoot = allowListOf([body(ROOT)], sha256);
    const r = checkServerCA(ORGS, onlyRoot, sha256);
    expect(r).toMatchObject({ ok: false, code: "ca-not-allowed" });
    expect(!r.ok && r.message).toContain(hex(ORGS));
    expect(checkServerCA(ROOT, new Map(), sha256)).toMatchObject({ ok: false, code: "ca-not-allowed" });
    expect(checkServerCA("not a pem", allowed, sha256)).toMatchObject({ ok: false, code: "invalid-request" });
    expect(checkServerCA(42, allowed, sha256)).toMatchObject({ ok: false, code: "invalid-request" });
  });

  it("compares fingerprints whatever their case and colons", () => {
    const upper = allowListOf([body(ROOT)], (b) => sha256(b).toUpperCase());
    expect(checkServerCA(ROOT, upper, (b) => sha256(b).replace(/:/g, "").toLowerCase())).toMatchObject({ ok: true });
  });
});

describe("the record of the CAs this add-on made trusted", () => {
  const entry: AddedCA = { sha256: "a".repeat(64), der: "QUJD", before: ",," };

  it("reads back what it wrote, one entry per fingerprint", () => {
    const record = withAddedCA(withAddedCA([], entry), { ...entry, before: ",C," });
    expect(record).toEqual([{ ...entry, before: ",C," }]);
    expect(parseAddedCAs(JSON.stringify(record))).toEqual(record);
  });

  it("drops what it cannot trust: garbage, other shapes, bad fingerprints or trust strings", () => {
    expect(parseAddedCAs("")).toEqual([]);
    expect(parseAddedCAs(null)).toEqual([]);
    expect(parseAddedCAs("{not json")).toEqual([]);
    expect(parseAddedCAs('{"sha256":"x"}')).toEqual([]);
    const bad = [{ ...entry, sha256: "AB:CD" }, { ...entry, der: "<script>" }, { ...entry, before: "C" }, { ...entry, before: 3 }, null];
    expect(parseAddedCAs(JSON.stringify([...bad, entry]))).toEqual([entry]);
  });
});

describe("trusting and taking back", () => {
  const none = { ssl: false, email: false };

  it("adds TLS-server trust to a CA not trusted for it, keeping its other uses, and remembers what it had", () => {
    expect(trustPlan(none, false)).toEqual({ action: "add", trust: "C,,", before: ",," });
    expect(trustPlan({ ...none, email: true }, false)).toEqual({ action: "add", trust: "C,C,", before: ",C," });
  });

  it("leaves a CA already trusted for TLS servers as it is: someone else's, or ours from before", () => {
    expect(trustPlan({ ...none, ssl: true }, false)).toEqual({ action: "keep", ours: false });
    expect(trustPlan({ ...none, ssl: true }, true)).toEqual({ action: "keep", ours: true });
  });

  it("deletes a CA it added, puts back the trust of one that was there, and leaves one the user distrusted since", () => {
    const entry: AddedCA = { sha256: "a".repeat(64), der: "QUJD", before: ",," };
    expect(removalPlan(entry, { ...none, ssl: true })).toBe("delete");
    expect(removalPlan({ ...entry, before: ",C," }, { ...none, ssl: true, email: true })).toBe("restore");
    expect(removalPlan(entry, none)).toBe("none");
  });

  it("writes NSS trust strings", () => {
    expect(trustString({ ssl: true, email: false })).toBe("C,,");
    expect(trustString({ ssl: false, email: true })).toBe(",C,");
  });
});

/**
 * `mss-bridge xdm read` as shipped (bin/mss-bridge.mjs), on archives and messages written to a
 * temporary directory: an IHE XDM archive (IHE ITI TF-3 §4.2.2.1) with two documents, the same
 * attached to a message with X-MSS-INS (ECO.2.4.2), and archives it cannot read (exit 3).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { cdaPdf, cdaStructured, eml, patchCentral, section, TEST_INS, xdmZip } from "../fixtures/xdm-builder.ts";
import { runBridgeCli } from "../harness/bridge-process.ts";

const DOCS = [
  {
    uri: "DOC0001.XML",
    content: cdaPdf("11490-0", "Lettre de liaison"),
    typeCode: "11490-0",
    typeLabel: "Lettre de liaison",
    title: "Lettre de liaison",
  },
  {
    uri: "DOC0002.XML",
    content: cdaStructured("11502-2", "CR de biologie", section("Résultats", "<paragraph>Hb 13,5</paragraph>")),
    typeCode: "11502-2",
    typeLabel: "CR d'examens biologiques",
    title: "CR de biologie",
  },
];

describe("mss-bridge xdm read", () => {
  let dir: string;
  let archive: Uint8Array;
  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "xdm-cli-"));
    archive = await xdmZip(DOCS);
  });

  it("an IHE_XDM.zip: the JSON of the issue, exit 0", async () => {
    const r = await runBridgeCli(["xdm", "read", write("IHE_XDM.zip", archive), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(["patient", "documents", "problems"]);
    expect(json.patient).toEqual({
      ins: TEST_INS,
      insOid: "1.2.250.1.213.1.4.8",
      qualified: true,
      family: "DURAND",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
    });
    expect(json.documents.map((d: any) => [d.file, d.typeCode, d.sizeOk, d.hashOk])).toEqual([
      ["IHE_XDM/SUBSET01/DOC0001.XML", "11490-0", true, true],
      ["IHE_XDM/SUBSET01/DOC0002.XML", "11502-2", true, true],
    ]);
    expect(Object.keys(json.documents[0])).toEqual([
      "file",
      "typeCode",
      "typeLabel",
      "title",
      "author",
      "organisation",
      "date",
      "mimeType",
      "sizeOk",
      "hashOk",
    ]);
    expect(json.problems).toEqual([]);
    expect(r.stderr).toBe("");
  });

  it("without --json: a summary, French then English", async () => {
    const r = await runBridgeCli(["xdm", "read", write("IHE_XDM.zip", archive)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Patient : DURAND Marie");
    expect(r.stdout).toContain("qualifié / qualified");
    expect(r.stdout).toContain("Documents (2) :");
    expect(r.stdout).toContain("Aucun problème / No problem.");
  });

  it("a message (.eml, base64 attachment): its X-MSS-INS is cross-checked", async () => {
    const agrees = await runBridgeCli(["xdm", "read", write("agrees.eml", eml(archive, { insHeader: "O" })), "--json"]);
    expect(agrees.code, agrees.stderr).toBe(0);
    expect(JSON.parse(agrees.stdout).problems).toEqual([]);
    const contradicts = await runBridgeCli(["xdm", "read", write("contradicts.eml", eml(archive, { insHeader: "N" })), "--json"]);
    expect(contradicts.code).toBe(0);
    expect(JSON.parse(contradicts.stdout).problems.map((p: any) => p.code)).toEqual(["INS_HEADER_CONTRADICTION"]);
    const binary = await runBridgeCli(["xdm", "read", write("binary.eml", eml(archive, { encoding: "binary" })), "--json"]);
    expect(JSON.parse(binary.stdout).documents).toHaveLength(2);
  });

  it("exit 3 with the reason: no attachment, a ZIP bomb, a path escaping the archive, no metadata; never the INS", async () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ["no-xdm.eml", eml(archive, { name: "autre.zip" }), /aucune pièce jointe IHE_XDM\.zip .* no IHE_XDM\.zip attachment/],
      [
        "bomb.zip",
        patchCentral(zipSync({ "IHE_XDM/SUBSET01/METADATA.XML": new Uint8Array(30 * 1024 * 1024) }), "IHE_XDM/SUBSET01/METADATA.XML", {
          size: 1000,
        }),
        /ZIP_SIZE_MISMATCH/,
      ],
      ["escape.zip", zipSync({ "../../etc/evil": strToU8("x") }), /ZIP_UNSAFE_PATH/],
      ["no-metadata.zip", zipSync({ "README.TXT": strToU8("x") }), /METADATA_MISSING/],
      ["text.zip", strToU8("not an archive"), /aucune pièce jointe/],
    ];
    for (const [name, bytes, reason] of cases) {
      const r = await runBridgeCli(["xdm", "read", write(name, bytes), "--json"]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(3);
      expect(r.stderr, name).toMatch(reason);
      expect(r.stderr).not.toContain(TEST_INS);
    }
  });

  it("a file that does not exist: exit 4", async () => {
    const r = await runBridgeCli(["xdm", "read", path.join(dir, "missing.zip")]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ENOENT/);
  });
});

/**
 * `mss-bridge xdm build` as shipped (bin/mss-bridge.mjs): builds an archive from a PDF and a
 * PATIENT.json in a temporary directory, reads it back with `mss-bridge xdm read --json`, and
 * validates its METADATA.XML (ebRIM 3.0) and DOC0001.XML (HL7 CDA R2) with xmllint. Bad input is
 * exit 3 with the reason, French then English, never quoting the INS. Every patient and
 * professional here is invented.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { runBridgeCli } from "../harness/bridge-process.ts";
import { missingComponents } from "../harness/require-component.ts";
import { xmllintValidate } from "../harness/xmllint.ts";

const skip = missingComponents("cli-xdm-build", ["xmllint"]);

const INS = "279035121518989";
const PATIENT = {
  ins: INS,
  insOid: "1.2.250.1.213.1.4.8",
  qualified: true,
  family: "DURAND",
  given: "Marie",
  birthDate: "1979-03-12",
  sex: "F",
};
const PDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const AUTHOR = ["--author-id", "810002909371", "--author-family", "MARTIN", "--author-given", "Paul", "--author-prefix", "Dr"];

describe.skipIf(skip)("mss-bridge xdm build", () => {
  let dir: string;
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const build = (patient: object, extra: string[] = [], type = "11490-0") =>
    runBridgeCli([
      "xdm",
      "build",
      "--pdf",
      path.join(dir, "lettre.pdf"),
      "--patient",
      write("patient.json", JSON.stringify(patient)),
      "--type",
      type,
      "--out",
      path.join(dir, "IHE_XDM.zip"),
      ...AUTHOR,
      ...extra,
    ]);

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "xdm-build-cli-"));
    write("lettre.pdf", PDF);
  });

  it("builds the archive and the PDF, prints the subject and headers; xdm read gives them back; xmllint validates", async () => {
    const r = await build(PATIENT, [
      "--act-date",
      "2024-01-14",
      "--file-number",
      "D17",
      "--organisation-name",
      "Centre hospitalier de Test",
      "--organisation-id",
      "3750000000",
    ]);
    expect(r.code, r.stderr).toBe(0);
    // The test PDF declares no PDF/A (ECO.2.1.5): built all the same, and said once on stderr.
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/attention \/ warning: .*PDF\/A.*\(PDF_NOT_PDFA\)\.$/)]);
    expect(r.stdout).toContain(
      "Objet / Subject : XDM/1.0/DDM+Lettre de liaison à la sortie d'un établissement de soins DURAND Marie 12/03/1979",
    );
    expect(r.stdout).toContain("X-MSS-CODECDA: 11490-0");
    expect(r.stdout).toContain("X-MSS-INS: O");
    expect(r.stdout).toContain("X-MSS-NIL left out");
    const pdf = path.join(dir, "20240114_11490-0_DURAND_Marie_D17.pdf");
    expect(readFileSync(pdf, "utf8")).toBe(PDF);

    const read = await runBridgeCli(["xdm", "read", path.join(dir, "IHE_XDM.zip"), "--json", "--ins-header", "O"]);
    expect(read.code, read.stderr).toBe(0);
    const reading = JSON.parse(read.stdout);
    expect(reading.patient).toEqual({ ...PATIENT, qualified: true });
    expect(reading.problems).toEqual([]);
    expect(reading.documents.map((d: any) => [d.typeCode, d.author, d.organisation, d.sizeOk, d.hashOk])).toEqual([
      ["11490-0", "Dr Paul MARTIN", "Centre hospitalier de Test", true, true],
    ]);

    const files = unzipSync(readFileSync(path.join(dir, "IHE_XDM.zip")));
    const m = xmllintValidate(files["IHE_XDM/SUBSET01/METADATA.XML"]!, "ebrim");
    expect(m.valid, m.output).toBe(true);
    const c = xmllintValidate(files["IHE_XDM/SUBSET01/DOC0001.XML"]!, "cda");
    expect(c.valid, c.output).toBe(true);
  });

  it("--json; an identity not qualified gives X-MSS-INS: N and no INS in the archive", async () => {
    const r = await build({ ...PATIENT, qualified: false, localId: "IPP-0042", localOid: "1.2.250.1.999.1.1" }, ["--json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.headers).toEqual({ "X-MSS-CODECDA": "11490-0", "X-MSS-INS": "N" });
    expect(Object.keys(json)).toEqual(["archive", "pdf", "subject", "headers", "warnings"]);
    expect(json.warnings).toEqual(["PDF_NOT_PDFA"]);
    const archive = readFileSync(json.archive);
    for (const bytes of Object.values(unzipSync(archive))) expect(Buffer.from(bytes).toString("utf8")).not.toContain(INS);
  });

  it("exit 3 with the reason, French then English: a bad INS key, an unknown type, a missing trait; never the INS", async () => {
    const cases: [object, string, RegExp][] = [
      [{ ...PATIENT, ins: "279035121518988" }, "11490-0", /clé de l'INS .* est fausse \/ the INS key .* is wrong \(INS_KEY\)/],
      [PATIENT, "12345-6", /type de document inconnu .* \/ unknown document type .*\(TYPE_UNKNOWN\)/],
      [
        { ...PATIENT, given: undefined },
        "11490-0",
        /trait manquant : premier prénom de naissance \/ missing trait: first given name \(TRAIT_MISSING\)/,
      ],
    ];
    for (const [patient, type, reason] of cases) {
      const r = await build(patient, [], type);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).not.toContain("2790351215189");
      expect(r.stdout).toBe("");
    }
  });

  it("exit 3 for a PATIENT.json that is not JSON, exit 4 for a PDF that cannot be read", async () => {
    const notJson = await runBridgeCli([
      "xdm",
      "build",
      "--pdf",
      path.join(dir, "lettre.pdf"),
      "--patient",
      write("bad.json", "{"),
      "--type",
      "11490-0",
      "--out",
      path.join(dir, "x.zip"),
      ...AUTHOR,
    ]);
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toMatch(/n'est pas du JSON valide \/ .* not valid JSON/);
    const noPdf = await runBridgeCli([
      "xdm",
      "build",
      "--pdf",
      path.join(dir, "absent.pdf"),
      "--patient",
      write("p.json", JSON.stringify(PATIENT)),
      "--type",
      "11490-0",
      "--out",
      path.join(dir, "x.zip"),
      ...AUTHOR,
    ]);
    expect(noPdf.code).toBe(4);
    expect(noPdf.stderr).toMatch(/PDF illisible \/ PDF cannot be read \(ENOENT\)/);
  });
});

/**
 * Validation of XML against the official schemas kept in test/fixtures/schemas/ (SOURCES.md), with
 * Debian's xmllint (libxml2-utils): ebRIM 3.0 for METADATA.XML (lcm.xsd, which imports rim.xsd and
 * rs.xsd), HL7 CDA R2 for the CDA (CDA.xsd). `--nonet`: every schema is read from the repository.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const SCHEMAS = path.resolve(import.meta.dirname, "..", "fixtures", "schemas");

export const SCHEMA_FILES = {
  ebrim: path.join(SCHEMAS, "ebRS", "lcm.xsd"),
  cda: path.join(SCHEMAS, "cda", "infrastructure", "cda", "CDA.xsd"),
} as const;

export function xmllintValidate(xml: Uint8Array | string, schema: keyof typeof SCHEMA_FILES): { valid: boolean; output: string } {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "xmllint-")), "document.xml");
  writeFileSync(file, xml);
  const r = spawnSync("xmllint", ["--noout", "--nonet", "--schema", SCHEMA_FILES[schema], file], { encoding: "utf8" });
  if (r.error) throw r.error;
  return { valid: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/**
 * `mss-bridge xdm read <archive.zip|message.eml> [--json] [--ins-header O|N]`: reads an IHE XDM
 * archive, or the `IHE_XDM.zip` attached to a message, with the reader the extension runs
 * (shared/xdm/read-xdm.ts) and prints the patient, the documents and the problems found — JSON, or
 * French then English for people. Exit 0 when the archive was read (problems may remain), 3 when it
 * cannot be (the reason on stderr), 4 when the file cannot be opened.
 * stdout carries patient data (the INS, names): stderr and the reasons never do.
 */
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { xdmFromEml, type EmlXdm } from "../../shared/xdm/eml-attachment.ts";
import { readXdmArchive, unreadable } from "../../shared/xdm/read-xdm.ts";
import { CliError, Exit, err, out } from "./common.ts";
import { type XdmBuildOptions, xdmBuildCommand } from "./xdm-build-command.ts";
import { formatXdmReading } from "./xdm-format.ts";

// A message is at most 25 MB; the ZIP reader takes at most 32 MiB. The bridge runs with a 96 MB heap.
const MAX_INPUT_BYTES = 32 * 1024 * 1024;

const EML_REASONS: Record<Exclude<EmlXdm["reason"], "found">, [string, string]> = {
  "no-attachment": ["aucune pièce jointe IHE_XDM.zip dans le message", "no IHE_XDM.zip attachment in the message"],
  "unsupported-encoding": [
    "la pièce jointe IHE_XDM.zip a un encodage de transfert non pris en charge",
    "the IHE_XDM.zip attachment has an unsupported transfer encoding",
  ],
  "bad-base64": ["la pièce jointe IHE_XDM.zip n'est pas du base64 valide", "the IHE_XDM.zip attachment is not valid base64"],
  "too-complex": ["le message a trop de parties imbriquées", "the message has too many nested parts"],
};

function readInput(file: string): Uint8Array {
  try {
    if (statSync(file).size > MAX_INPUT_BYTES) throw new CliError(Exit.BAD_INPUT, `${file}: fichier trop volumineux / file too large.`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(Exit.UNAVAILABLE, `${file}: lecture impossible / cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}).`);
  }
}

function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** The archive and the message's X-MSS-INS, from a ZIP or from a message. */
function archiveOf(file: string, bytes: Uint8Array): { archive: Uint8Array; insHeader: string | null } {
  if (isZip(bytes)) return { archive: bytes, insHeader: null };
  const found = xdmFromEml(bytes);
  if (found.archive === null) {
    const [fr, en] = EML_REASONS[found.reason as keyof typeof EML_REASONS];
    throw new CliError(Exit.BAD_INPUT, `${file}: ${fr} / ${en}.`);
  }
  return { archive: found.archive, insHeader: found.insHeader };
}

async function readCommand(file: string, opts: { json?: boolean; insHeader?: string }): Promise<number> {
  const { archive, insHeader } = archiveOf(file, readInput(file));
  const { reading } = await readXdmArchive(archive, { insHeader: opts.insHeader ?? insHeader });
  if (opts.json) out(JSON.stringify(reading, null, 2));
  else for (const line of formatXdmReading(reading)) out(line);
  if (!unreadable(reading)) return Exit.OK;
  const fatal = reading.problems.find((p) => p.fatal)!;
  err(`mss-bridge: ${file}: archive illisible / unreadable archive: ${fatal.fr} / ${fatal.en} (${fatal.code}).`);
  return Exit.BAD_INPUT;
}

export function registerXdmCommands(program: Command, run: (fn: () => Promise<number>) => Promise<void>): void {
  const xdm = program.command("xdm").description("IHE XDM archives (IHE_XDM.zip) as MSSanté messages carry them");
  xdm
    .command("read <file>")
    .description("read an IHE_XDM.zip, or the one attached to a message (.eml): patient, documents, problems (exit 3 if unreadable)")
    .option("--json", "machine-readable output")
    .option("--ins-header <flag>", "the message's X-MSS-INS (O or N) to cross-check; default: the .eml's own header")
    .action((file: string, opts: { json?: boolean; insHeader?: string }) => run(() => readCommand(file, opts)));
  xdm
    .command("build")
    .description(
      "build an IHE_XDM.zip from a PDF (CDA N1), and the PDF to attach beside it; prints the subject and X-MSS headers (exit 3 on bad input)",
    )
    .requiredOption("--pdf <file>", "the PDF document")
    .requiredOption(
      "--patient <file>",
      "PATIENT.json: ins, insOid, qualified, family, given, birthDate (YYYY-MM-DD), sex (M/F/U); localId and localOid when not qualified",
    )
    .requiredOption("--type <code>", "the document type: a LOINC code of ANS's JDV_J07-XdsTypeCode-CISIS subset (e.g. 11488-4)")
    .requiredOption("--out <file>", "the archive to write (IHE_XDM.zip); the PDF is written beside it")
    .option("--author-id <idNat>", "the author's national id (8 + RPPS), as on the card")
    .option("--author-family <name>", "the author's family name")
    .option("--author-given <name>", "the author's given name")
    .option("--author-prefix <prefix>", "the author's title, e.g. Dr")
    .option("--author-profession <label>", "the author's profession, e.g. Médecin")
    .option("--organisation-name <name>", "the author's structure")
    .option("--organisation-id <idNat>", "the structure's national id (3 + FINESS, 5 + SIRET…)")
    .option("--title <title>", "the document's title (default: the type's label)")
    .option("--act-date <YYYY-MM-DD>", "the date of the act (default: today)")
    .option("--file-number <number>", "the file (case) number ending the PDF's name")
    .option("--facility-type <code>", "healthcareFacilityTypeCode (JDV_J02; default SA07, Cabinet individuel)")
    .option("--json", "machine-readable output")
    .action((opts: XdmBuildOptions) => run(() => xdmBuildCommand(opts)));
}

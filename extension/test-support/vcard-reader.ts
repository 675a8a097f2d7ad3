/**
 * Test support: reads back the vCard contact-vcard.ts writes, as the flat property map Thunderbird
 * would show for it (FN → DisplayName, …). Only what that writer produces: unfolded lines, the
 * escapes of RFC 6350 §3.4. Thunderbird's own reading of it is checked end to end (daily-use).
 */
import type { ProviderContact } from "../background/messenger-types.ts";

/** Splits a value on unescaped `;` and unescapes each part. */
function parts(v: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === "\\" && i + 1 < v.length) {
      const n = v[++i]!;
      cur += n === "n" || n === "N" ? "\n" : n;
    } else if (c === ";") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The text properties: the flat property each one is. */
const TEXT: Record<string, string> = { FN: "DisplayName", EMAIL: "PrimaryEmail", TITLE: "JobTitle", NOTE: "Notes" };
/** The structured properties: the flat property of each component used (name, index). */
const STRUCTURED: Record<string, [string, number][]> = {
  N: [
    ["LastName", 0],
    ["FirstName", 1],
  ],
  ORG: [
    ["Company", 0],
    ["Department", 1],
  ],
  ADR: [
    ["WorkCity", 3],
    ["WorkZipCode", 5],
  ],
};

export function readVCard(vCard: string): ProviderContact {
  const lines = vCard.replace(/\r\n[ \t]/g, "").split("\r\n");
  if (lines[0] !== "BEGIN:VCARD" || lines[1] !== "VERSION:4.0" || lines.at(-2) !== "END:VCARD" || lines.at(-1) !== "")
    throw new Error(`not a vCard 4.0: ${JSON.stringify(vCard.slice(0, 40))}`);
  const p: ProviderContact = {};
  const set = (k: string, v: string | undefined) => {
    if (v) p[k] = v;
  };
  for (const line of lines.slice(2, -2)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).split(";")[0]!;
    const v = parts(line.slice(colon + 1));
    const text = TEXT[name];
    const components = STRUCTURED[name];
    if (text) set(text, v.join(";"));
    else if (components) for (const [k, i] of components) set(k, v[i]);
    else throw new Error(`unexpected vCard property ${name}`);
  }
  return p;
}

import { describe, expect, it } from "vitest";
import { readVCard } from "../test-support/vcard-reader.ts";
import { contactVCard, escapeVCardText } from "./contact-vcard.ts";

const FULL = {
  DisplayName: "Dr Hélène Lefèvre-Moreau — Cardiologie, Lyon",
  PrimaryEmail: "helene.lefevre-moreau@hopital-lyon.mssante.fr",
  FirstName: "Hélène",
  LastName: "LEFÈVRE-MOREAU",
  Company: "Hôpital de la Croix-Rousse",
  Department: "Cardiologie; rythmologie",
  WorkCity: "LYON",
  WorkZipCode: "69004",
  JobTitle: "Médecin — Cardiologie",
  Notes: "Profession : Médecin\nSpécialité : Cardiologie\nChemin : C:\\dossiers",
};

describe("contactVCard", () => {
  it("escapes backslash, comma, semicolon and line breaks (RFC 6350 §3.4)", () => {
    expect(escapeVCardText("a\\b,c;d\ne\r\nf\rg")).toBe("a\\\\b\\,c\\;d\\ne\\nf\\ng");
  });

  it("writes Thunderbird's properties, one per line, CRLF, and reads back to the same contact", () => {
    const v = contactVCard(FULL);
    expect(v.split("\r\n")).toEqual([
      "BEGIN:VCARD",
      "VERSION:4.0",
      "FN:Dr Hélène Lefèvre-Moreau — Cardiologie\\, Lyon",
      "EMAIL;PREF=1:helene.lefevre-moreau@hopital-lyon.mssante.fr",
      "N:LEFÈVRE-MOREAU;Hélène;;;",
      "ORG:Hôpital de la Croix-Rousse;Cardiologie\\; rythmologie",
      "TITLE:Médecin — Cardiologie",
      "ADR;TYPE=work:;;;LYON;;69004;",
      "NOTE:Profession : Médecin\\nSpécialité : Cardiologie\\nChemin : C:\\\\dossiers",
      "END:VCARD",
      "",
    ]);
    expect(readVCard(v)).toEqual(FULL);
  });

  it("leaves out what the contact does not have: an organisation mailbox has no N, an address without a city no ADR", () => {
    const org = { DisplayName: "CHU de Lyon", PrimaryEmail: "secretariat@chu-lyon.mssante.fr", Company: "CHU de Lyon" };
    const v = contactVCard(org);
    expect(v).not.toMatch(/\r\nN:|\r\nADR|\r\nTITLE|\r\nNOTE/);
    expect(v).toContain("\r\nORG:CHU de Lyon\r\n");
    expect(readVCard(v)).toEqual(org);
  });

  it("keeps a value that holds what a vCard line would otherwise end or split on inside that one line", () => {
    const tricky = { DisplayName: "X\nEMAIL:evil@example.com", PrimaryEmail: "a@b.mssante.fr", Notes: "END:VCARD\nBEGIN:VCARD" };
    const v = contactVCard(tricky);
    expect(v.split("\r\n")).toHaveLength(7);
    expect(readVCard(v)).toEqual(tricky);
  });
});

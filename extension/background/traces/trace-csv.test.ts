/** The trace's CSV: quoting, line ends, and no cell a spreadsheet would run as a formula. */
import { describe, expect, it } from "vitest";
import { csvField, traceCsv } from "./trace-csv.ts";
import type { TraceEntry } from "./trace-entry.ts";

describe("trace CSV", () => {
  it("quotes separators, quotes and line breaks", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("a;b")).toBe('"a;b"');
  });

  it("neutralises formulas", () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    for (const v of ["+1", "-1", "@SUM(A1)", "\tx"]) expect(csvField(v).startsWith("'")).toBe(true);
  });

  it("a header line then one line per entry, CRLF", () => {
    const at = new Date().toISOString();
    const e: TraceEntry = {
      at,
      action: "send",
      who: "jean.dupont@medecin.mssante.fr",
      messageId: "abc@medecin.mssante.fr",
      server: "smtp.operateur.mssante.fr",
      recipients: ["a@x.mssante.fr", "patient:0123"],
      detail: "sendNow",
    };
    expect(traceCsv([e]).split("\r\n")).toEqual([
      "date,action,qui,message_id,serveur,destinataires,detail",
      `${at},send,jean.dupont@medecin.mssante.fr,abc@medecin.mssante.fr,smtp.operateur.mssante.fr,a@x.mssante.fr patient:0123,sendNow`,
      "",
    ]);
  });
});

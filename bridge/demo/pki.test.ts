import { describe, expect, it } from "vitest";
import { ocspIndexText } from "./pki.ts";

describe("ocspIndexText (the index `openssl ocsp` answers from)", () => {
  it("writes openssl ca's lines: status, expiry, revocation date, even-length upper-case serial, file, subject", () => {
    const notAfter = new Date("2029-03-11T02:05:32Z");
    const text = ocspIndexText([
      { serial: "30239c3e3076f785a1c938e1", notAfter, subject: "/C=FR/CN=imap.cert.mssante.test" },
      { serial: "abc", notAfter, subject: "/C=FR/CN=old", revokedAt: new Date("2026-12-07T01:05:32Z") },
    ]);
    expect(text).toBe(
      "V\t290311020532Z\t\t30239C3E3076F785A1C938E1\tunknown\t/C=FR/CN=imap.cert.mssante.test\n" +
        "R\t290311020532Z\t261207010532Z\t0ABC\tunknown\t/C=FR/CN=old\n",
    );
  });
});

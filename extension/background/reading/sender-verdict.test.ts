import { describe, expect, it } from "vitest";
import { DUPONT } from "../../test-support/entries.ts";
import { messageAuthor } from "./message-author.ts";
import type { ReceivedTrace } from "./received-trace.ts";
import { senderVerdict, type VerdictInput } from "./sender-verdict.ts";

const VIA: ReceivedTrace = { entryHop: null, findings: ["igc-sante-tls"], viaTrustSpace: true };
const OUTSIDE: ReceivedTrace = { entryHop: null, findings: [], viaTrustSpace: false };
const LIST = ["medecin.mssante.fr", "autre.mssante.fr", "patient.mssante.fr"];
const DATE = "2026-05-30T00:00:00Z";

function input(over: Partial<VerdictInput>): VerdictInput {
  return {
    author: messageAuthor(`"Dr Jean Dupont" <${DUPONT.email}>`),
    mssAccount: true,
    trace: VIA,
    trustDomains: LIST,
    directory: { state: "found", entry: DUPONT },
    extractionDate: DATE,
    xdmPatient: null,
    ...over,
  };
}

describe("messageAuthor", () => {
  it("reads quoted and bare authors", () => {
    expect(messageAuthor('"Dupont, Jean" <Jean.Dupont@Medecin.MSSante.fr>')).toEqual({
      name: "Dupont, Jean",
      address: "jean.dupont@medecin.mssante.fr",
      domain: "medecin.mssante.fr",
    });
    expect(messageAuthor("a@b.fr")).toEqual({ name: null, address: "a@b.fr", domain: "b.fr" });
    expect(messageAuthor("")).toMatchObject({ address: null });
  });
});

describe("senderVerdict", () => {
  it("a colleague in the directory, received through the trust space: proven, with the extraction date", () => {
    const v = senderVerdict(input({}));
    expect(v).toMatchObject({ kind: "professional", proven: true, entry: DUPONT, extractionDate: DATE, nameMismatch: false });
  });

  it("the same From arriving from outside (a forged From): only claims", () => {
    const v = senderVerdict(input({ trace: OUTSIDE }));
    expect(v).toMatchObject({ kind: "professional", proven: false });
    expect(v.reasons).toContain("not-via-trust-space");
  });

  it("a message in an account that is not an MSSanté one is never proven", () => {
    const v = senderVerdict(input({ mssAccount: false, trace: null }));
    expect(v.proven).toBe(false);
    expect(v.reasons).toContain("not-an-mssante-account");
  });

  it("points out a display name naming someone else", () => {
    expect(senderVerdict(input({ author: messageAuthor(`Dr Martin <${DUPONT.email}>`) })).nameMismatch).toBe(true);
  });

  it("an MSSanté address absent from the directory", () => {
    const v = senderVerdict(input({ author: messageAuthor("nouveau@autre.mssante.fr"), directory: { state: "absent" } }));
    expect(v).toMatchObject({ kind: "not-in-directory", proven: true, extractionDate: DATE });
  });

  it("a domain outside the trust space is marked, never proven", () => {
    const v = senderVerdict(input({ author: messageAuthor("dr.martin@example.com"), directory: { state: "absent" } }));
    expect(v).toMatchObject({ kind: "outside-trust-space", proven: false });
  });

  it("a patient, named by the XDM", () => {
    const patient = { family: "DURAND", given: "Marie", ins: "x", insOid: "1.2.250.1.213.1.4.8", qualified: true as const };
    const v = senderVerdict(
      input({
        author: messageAuthor("Marie Durand <marie.durand@patient.mssante.fr>"),
        directory: { state: "absent" },
        xdmPatient: patient,
      }),
    );
    expect(v).toMatchObject({ kind: "patient", proven: true, patient, nameMismatch: false });
    const other = senderVerdict(
      input({ author: messageAuthor("Paul Leroy <marie.durand@patient.mssante.fr>"), directory: { state: "absent" }, xdmPatient: patient }),
    );
    expect(other.nameMismatch).toBe(true);
  });

  it("a patient's domain is ANS's own: proven through the trust space even when the list does not name it", () => {
    const v = senderVerdict(
      input({ author: messageAuthor("p@patient.mssante.fr"), trustDomains: ["medecin.mssante.fr"], directory: { state: "absent" } }),
    );
    expect(v).toMatchObject({ kind: "patient", proven: true });
  });

  it("a patient without XDM is still a patient", () => {
    const v = senderVerdict(input({ author: messageAuthor("p@patient.mssante.fr"), directory: { state: "absent" } }));
    expect(v).toMatchObject({ kind: "patient", patient: null });
  });

  it("with the bridge away, the cached list still tells the trust space", () => {
    expect(senderVerdict(input({ directory: { state: "unavailable" } })).kind).toBe("directory-unavailable");
    expect(senderVerdict(input({ author: messageAuthor("x@example.com"), directory: { state: "unavailable" } })).kind).toBe(
      "outside-trust-space",
    );
    const noList = senderVerdict(input({ trustDomains: null, directory: { state: "unavailable" } }));
    expect(noList.kind).toBe("unknown");
    expect(noList.reasons).toContain("no-trust-list");
  });

  it("the GP's own copy (ownCopy) in an MSSanté account: 'own', proven, with the directory's entry; elsewhere ignored", () => {
    const own = senderVerdict(input({ ownCopy: true, trace: OUTSIDE }));
    expect(own).toMatchObject({ kind: "own", proven: true, entry: DUPONT, reasons: ["own-copy"] });
    expect(senderVerdict(input({ ownCopy: true, mssAccount: false, trace: null })).kind).toBe("professional");
  });

  it("no readable address", () => {
    expect(senderVerdict(input({ author: messageAuthor("undisclosed") })).kind).toBe("no-address");
  });
});

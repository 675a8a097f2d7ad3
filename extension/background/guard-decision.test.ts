import { describe, expect, it } from "vitest";
import { PATIENT_MESSAGE_LIMIT } from "../../shared/domain/patient-recipients.ts";
import { choicesFor, decideGuard, trustedRecipientAddresses, withoutAddresses, type GuardInput } from "./guard-decision.ts";
import { parseRecipient, recipientsOf, splitRecipientList } from "./recipients.ts";

const TRUST = {
  domains: ["medecin.mssante.fr", "chu-lyon.mssante.fr", "pharmacien.mssante.fr"],
  date: "2026-11-20",
  source: "live" as const,
  testOnly: false,
};

function input(over: Partial<GuardInput>): GuardInput {
  return { sender: "jean.dupont@medecin.mssante.fr", knownMssAddresses: [], recipients: [], trust: TRUST, directory: {}, ...over };
}

describe("recipients", () => {
  it("reads the forms compose details give", () => {
    expect(parseRecipient("Dr Jean Dupont <Jean.Dupont@Medecin.MSSante.fr>")).toEqual({
      raw: "Dr Jean Dupont <Jean.Dupont@Medecin.MSSante.fr>",
      address: "jean.dupont@medecin.mssante.fr",
      domain: "medecin.mssante.fr",
    });
    expect(parseRecipient('"Dupont, Jean" <j@x.fr>').address).toBe("j@x.fr");
    expect(parseRecipient("bare@x.fr").address).toBe("bare@x.fr");
    expect(parseRecipient("not an address").address).toBeNull();
    expect(parseRecipient("a@bücher.example").domain).toBe("xn--bcher-kva.example");
  });

  it("splits lists on commas outside quotes and brackets", () => {
    expect(splitRecipientList('"Dupont, Jean" <j@x.fr>, b@y.fr; c@z.fr')).toEqual(['"Dupont, Jean" <j@x.fr>', "b@y.fr", "c@z.fr"]);
    expect(recipientsOf(["a@x.fr", "b@y.fr, c@z.fr"]).map((r) => r.address)).toEqual(["a@x.fr", "b@y.fr", "c@z.fr"]);
    expect(recipientsOf(undefined)).toEqual([]);
    expect(recipientsOf([{ id: "c1", type: "contact" }])[0]!.address).toBeNull();
  });
});

describe("decideGuard", () => {
  it("lets mail from a non-MSSanté identity through without looking", () => {
    const d = decideGuard(input({ sender: "jean@gmail.com", recipients: recipientsOf(["x@gmail.com"]) }));
    expect(d).toEqual({ action: "allow", reason: "not-mssante-sender" });
  });

  it("allows when every recipient is in the trust space", () => {
    const d = decideGuard(input({ recipients: recipientsOf(["a@chu-lyon.mssante.fr", "Pharma <p@pharmacien.mssante.fr>"]) }));
    expect(d).toMatchObject({ action: "allow", reason: "all-trusted", warnings: [] });
  });

  it("blocks mixed recipients and names exactly the ones outside, over to, cc and bcc", () => {
    const recipients = [
      ...recipientsOf(["a@chu-lyon.mssante.fr", "Patient <patient@gmail.com>"]),
      ...recipientsOf("c@pharmacien.mssante.fr, secretariat@cabinet-dupont.fr"),
      ...recipientsOf(["hidden@yahoo.fr"]),
    ];
    const d = decideGuard(input({ recipients }));
    expect(d.action).toBe("block");
    if (d.action !== "block" || d.reason !== "untrusted-recipients") throw new Error("expected a block");
    expect(d.blocked.map((b) => [b.address, b.problem])).toEqual([
      ["patient@gmail.com", "outside-trust-space"],
      ["secretariat@cabinet-dupont.fr", "outside-trust-space"],
      ["hidden@yahoo.fr", "outside-trust-space"],
    ]);
    expect(d.list).toEqual({ date: "2026-11-20", source: "live", testOnly: false });
    // The recipients "remove them" sends to: the two in the trust space.
    expect(d.kept).toBe(2);
  });

  it("counts the recipients kept once each, those only warned about included", () => {
    const recipients = recipientsOf(["a@chu-lyon.mssante.fr", "A <a@chu-lyon.mssante.fr>", "new@chu-lyon.mssante.fr", "x@gmail.com"]);
    const d = decideGuard(input({ recipients, directory: { "new@chu-lyon.mssante.fr": "not-found" } }));
    expect(d).toMatchObject({ action: "block", kept: 2, warnings: [{ address: "new@chu-lyon.mssante.fr" }] });
    expect(decideGuard(input({ recipients: recipientsOf(["x@gmail.com"]) }))).toMatchObject({ action: "block", kept: 0 });
  });

  it("blocks unreadable recipients rather than guessing", () => {
    const d = decideGuard(input({ recipients: recipientsOf(["a@chu-lyon.mssante.fr", "garbage"]) }));
    expect(d).toMatchObject({ action: "block", blocked: [{ raw: "garbage", problem: "unreadable" }] });
  });

  it("warns, without blocking, for trusted recipients missing from the directory", () => {
    const recipients = recipientsOf(["a@chu-lyon.mssante.fr", "b@chu-lyon.mssante.fr"]);
    const d = decideGuard(input({ recipients, directory: { "a@chu-lyon.mssante.fr": "found", "b@chu-lyon.mssante.fr": "not-found" } }));
    expect(d).toMatchObject({
      action: "allow",
      reason: "all-trusted",
      warnings: [{ address: "b@chu-lyon.mssante.fr", problem: "not-in-directory" }],
    });
    // An unchecked lookup (bridge down) is not a warning.
    const d2 = decideGuard(input({ recipients, directory: { "b@chu-lyon.mssante.fr": "unchecked" } }));
    expect(d2).toMatchObject({ action: "allow", warnings: [] });
  });

  it("with no trust list at all, blocks a provisioned MSSanté identity and explains", () => {
    const d = decideGuard(
      input({ trust: null, knownMssAddresses: ["Jean.Dupont@medecin.mssante.fr"], recipients: recipientsOf(["a@chu-lyon.mssante.fr"]) }),
    );
    expect(d).toEqual({ action: "block", reason: "no-trust-list" });
    // Without a list, a provisioned account or an mssante.fr domain we cannot tell it is MSSanté mail.
    expect(decideGuard(input({ sender: "dr@cabinet-exemple.fr", trust: null, recipients: recipientsOf(["x@y.fr"]) }))).toMatchObject({
      action: "allow",
    });
  });

  it("takes an empty list for no list: a provisioned identity gets the no-list block, not an overridable 'outside the trust space'", () => {
    const d = decideGuard(
      input({
        trust: { ...TRUST, domains: [] },
        knownMssAddresses: ["jean.dupont@medecin.mssante.fr"],
        recipients: recipientsOf(["patient@gmail.com"]),
      }),
    );
    expect(d).toEqual({ action: "block", reason: "no-trust-list" });
  });

  it("knows an MSSanté sender without a list: under mssante.fr, or at the domain of a provisioned account", () => {
    const to = recipientsOf(["patient@gmail.com"]);
    // Not provisioned, no list (or an empty one): still MSSanté mail, still guarded.
    expect(decideGuard(input({ trust: null, recipients: to }))).toEqual({ action: "block", reason: "no-trust-list" });
    expect(decideGuard(input({ trust: { ...TRUST, domains: [] }, recipients: to }))).toEqual({ action: "block", reason: "no-trust-list" });
    // An operator domain outside mssante.fr: a colleague's identity at the provisioned account's domain counts.
    const other = { sender: "secretariat@hopital-exemple.fr", knownMssAddresses: ["dr.martin@hopital-exemple.fr"], recipients: to };
    expect(decideGuard(input({ ...other, trust: null }))).toEqual({ action: "block", reason: "no-trust-list" });
    expect(decideGuard(input({ ...other, trust: { ...TRUST, domains: ["hopital-exemple.fr"] } }))).toMatchObject({
      action: "block",
      reason: "untrusted-recipients",
    });
    // A domain in the list in use counts too (here a cached copy), provisioned or not.
    expect(decideGuard(input({ sender: "a@chu-lyon.mssante.fr", trust: { ...TRUST, source: "cache" }, recipients: to }))).toMatchObject({
      action: "block",
      reason: "untrusted-recipients",
    });
    // Look-alikes are not MSSanté: "mssante.fr" must be the zone, not a suffix of another name.
    expect(decideGuard(input({ sender: "a@fakemssante.fr", trust: null, recipients: to }))).toEqual({
      action: "allow",
      reason: "not-mssante-sender",
    });
  });

  it("uses the cached list the same way and says so", () => {
    const d = decideGuard(input({ trust: { ...TRUST, source: "cache" }, recipients: recipientsOf(["x@gmail.com"]) }));
    expect(d).toMatchObject({ action: "block", list: { source: "cache", date: "2026-11-20" } });
  });

  it("matches Unicode and ASCII forms of a trusted domain", () => {
    const trust = { ...TRUST, domains: ["hôpital.mssante.fr"] };
    const d = decideGuard(input({ sender: "a@xn--hpital-ixa.mssante.fr", trust, recipients: recipientsOf(["b@HÔPITAL.mssante.fr"]) }));
    expect(d).toMatchObject({ action: "allow", reason: "all-trusted" });
  });

  it("lists trusted recipients to look up, once each", () => {
    expect(
      trustedRecipientAddresses(recipientsOf(["a@chu-lyon.mssante.fr", "A@chu-lyon.mssante.fr", "x@gmail.com"]), TRUST.domains),
    ).toEqual(["a@chu-lyon.mssante.fr"]);
  });

  it("removes the blocked addresses from the fields and keeps the others as written", () => {
    const kept = withoutAddresses(
      ["Dr A <a@chu-lyon.mssante.fr>", "x@gmail.com, b@pharmacien.mssante.fr"],
      new Set(["x@gmail.com"]),
      parseRecipient,
      splitRecipientList,
    );
    expect(kept).toEqual(["Dr A <a@chu-lyon.mssante.fr>", "b@pharmacien.mssante.fr"]);
  });
});

/**
 * Patients (Mon espace santé). Invented INS matricules whose keys were computed outside this code
 * (97 − number mod 97; Corsica 2A → 19, 2B → 18): 279035121518989, 185052A00412356, 280122B03301219.
 */
describe("decideGuard: patients", () => {
  const PATIENT = "279035121518989@patient.mssante.fr";
  const CORSICA_2A = "185052A00412356@patient.mssante.fr";
  const CORSICA_2B = "280122B03301219@patient.mssante.fr";
  const patientIssue = (d: ReturnType<typeof decideGuard>) =>
    "blocked" in d ? d.blocked.filter((b) => b.problem === "patient-ins-invalid").map((b) => [b.address, b.ins?.code]) : [];

  it("lets a patient with a valid INS through, Corsica's 2A and 2B included, with or without the domain in the list, never looked up", () => {
    for (const to of [PATIENT, CORSICA_2A, CORSICA_2B, "Mme Durand <280122b03301219@Patient.MSSante.fr>"]) {
      expect(decideGuard(input({ recipients: recipientsOf([to]) }))).toMatchObject({
        action: "allow",
        reason: "all-trusted",
        warnings: [],
      });
    }
    expect(trustedRecipientAddresses(recipientsOf([PATIENT, "a@chu-lyon.mssante.fr"]), [...TRUST.domains, "patient.mssante.fr"])).toEqual([
      "a@chu-lyon.mssante.fr",
    ]);
  });

  it("stops a patient address whose INS key is wrong, Corsica's keys included, with the reason and no 'send anyway'", () => {
    for (const [to, code] of [
      ["279035121518988@patient.mssante.fr", "INS_KEY"],
      // 2A's key on a 2B number, and 2B's on a 2A one.
      ["280122A03301219@patient.mssante.fr", "INS_KEY"],
      ["185052B00412356@patient.mssante.fr", "INS_KEY"],
      ["27903512151898@patient.mssante.fr", "INS_LENGTH"],
      ["185052C00412356@patient.mssante.fr", "INS_CHARACTERS"],
      ["jean.durand@patient.mssante.fr", "PATIENT_ADDRESS_FORM"],
    ] as const) {
      const d = decideGuard(input({ recipients: recipientsOf([to]) }));
      expect(d, to).toMatchObject({ action: "block", reason: "invalid-patient-address", kept: 0 });
      expect(patientIssue(d)).toEqual([[to.toLowerCase(), code]]);
      if (d.action === "block") expect(choicesFor(d)).toEqual(["remove", "cancel"]);
    }
    const d = decideGuard(input({ recipients: recipientsOf(["279035121518988@patient.mssante.fr"]) }));
    if (!("blocked" in d)) throw new Error("expected blocked recipients");
    expect(d.blocked[0]!.ins).toMatchObject({ fr: expect.stringContaining("clé"), en: expect.stringContaining("key") });
  });

  it("with a bad patient address and one outside the trust space, says the patient's reason and keeps the others", () => {
    const d = decideGuard(
      input({ recipients: recipientsOf(["a@chu-lyon.mssante.fr", "x@gmail.com", "279035121518988@patient.mssante.fr"]) }),
    );
    expect(d).toMatchObject({ action: "block", reason: "invalid-patient-address", kept: 1, mixed: null });
    if (!("blocked" in d)) throw new Error("expected blocked recipients");
    expect(d.blocked.map((b) => b.problem)).toEqual(["outside-trust-space", "patient-ins-invalid"]);
  });

  it("points out a patient together with professionals (go on or go back); a patient alone or professionals alone are not", () => {
    const d = decideGuard(input({ recipients: recipientsOf(["a@chu-lyon.mssante.fr", PATIENT]) }));
    expect(d).toMatchObject({
      action: "block",
      reason: "patient-with-professionals",
      mixed: { patients: [PATIENT], professionals: ["a@chu-lyon.mssante.fr"] },
    });
    if (d.action === "block") expect(choicesFor(d)).toEqual(["send-anyway", "cancel"]);
    expect(decideGuard(input({ recipients: recipientsOf([PATIENT, CORSICA_2A]) })).action).toBe("allow");
    // Blocked for another recipient: the dialog says the mix too (removing sends to it).
    const withOutside = decideGuard(input({ recipients: recipientsOf(["a@chu-lyon.mssante.fr", PATIENT, "x@gmail.com"]) }));
    expect(withOutside).toMatchObject({ reason: "untrusted-recipients", kept: 2, mixed: { patients: [PATIENT] } });
    if (withOutside.action === "block") expect(choicesFor(withOutside)).toEqual(["remove", "send-anyway", "cancel"]);
  });

  it("stops a message to a patient over 25 MB as submitted, at the byte (back only); the same size to professionals goes", () => {
    const to = recipientsOf([PATIENT]);
    expect(decideGuard(input({ recipients: to, messageSize: PATIENT_MESSAGE_LIMIT }))).toMatchObject({ action: "allow" });
    const over = decideGuard(input({ recipients: to, messageSize: PATIENT_MESSAGE_LIMIT + 1 }));
    expect(over).toMatchObject({
      action: "block",
      reason: "patient-message-too-large",
      size: 25_000_001,
      limit: 25_000_000,
      patients: [PATIENT],
    });
    if (over.action === "block") expect(choicesFor(over)).toEqual(["cancel"]);
    // Checked before the recipients: removing a bad patient address never skips it.
    const mixedBad = recipientsOf(["279035121518988@patient.mssante.fr", CORSICA_2B, "x@gmail.com"]);
    expect(decideGuard(input({ recipients: mixedBad, messageSize: 30_000_000 }))).toMatchObject({ reason: "patient-message-too-large" });
    expect(decideGuard(input({ recipients: recipientsOf(["a@chu-lyon.mssante.fr"]), messageSize: 30_000_000 }))).toMatchObject({
      action: "allow",
    });
    // A size that could not be read does not stop the message.
    expect(decideGuard(input({ recipients: to, messageSize: null }))).toMatchObject({ action: "allow" });
  });

  it("offers only 'back' without a trust list", () => {
    expect(choicesFor({ action: "block", reason: "no-trust-list" })).toEqual(["cancel"]);
  });
});

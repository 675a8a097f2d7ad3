import { describe, expect, it } from "vitest";
import { decideGuard, trustedRecipientAddresses, withoutAddresses, type GuardInput } from "./guard-decision.ts";
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

import { describe, expect, it } from "vitest";
import type { AccountSummary } from "../experiments/mssAccounts/src/api.ts";
import { decideSentCopy, sentCopyDetails, type SentCopyInput } from "./sent-copy-decision.ts";

const ADDRESS = "jean.dupont@medecin.mssante.fr";

function account(over: Partial<AccountSummary> = {}): AccountSummary {
  return {
    accountId: "account3",
    email: ADDRESS,
    realName: "Jean Dupont",
    imap: { host: "imap.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7, username: ADDRESS },
    smtp: { host: "smtp.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7, username: "", key: "smtp2" },
    paused: false,
    held: false,
    ...over,
  };
}

const input = (over: Partial<SentCopyInput> = {}): SentCopyInput => ({
  identity: { email: ADDRESS, accountId: "account3" },
  account: account(),
  overriddenBefore: false,
  ...over,
});

describe("decideSentCopy", () => {
  it("an account whose logon does not work yet (checks held): no Sent copy", () => {
    const d = decideSentCopy(input({ account: account({ held: true }) }));
    expect(d).toEqual({ keep: false, reason: "logon-not-working", accountId: "account3", email: ADDRESS });
    expect(sentCopyDetails(d)).toEqual({ overrideDefaultFccFolder: "" });
  });

  it("held while the card is also out (paused): still no copy", () => {
    expect(decideSentCopy(input({ account: account({ held: true, paused: true }) })).keep).toBe(false);
  });

  it("an account whose logon works keeps Thunderbird's copy, untouched", () => {
    const d = decideSentCopy(input());
    expect(d).toEqual({ keep: true, reason: "logon-works", restore: false });
    expect(sentCopyDetails(d)).toBeNull();
  });

  it("the card out alone (paused, logon verified) keeps the copy", () => {
    expect(decideSentCopy(input({ account: account({ paused: true }) })).keep).toBe(true);
  });

  it("no identity, no account found, or no IMAP server: Thunderbird's default", () => {
    expect(decideSentCopy(input({ identity: null, account: account({ held: true }) }))).toMatchObject({ keep: true, reason: "no-account" });
    expect(decideSentCopy(input({ account: null }))).toMatchObject({ keep: true, reason: "no-account" });
    expect(decideSentCopy(input({ account: account({ held: true, imap: null }) }))).toMatchObject({ keep: true, reason: "no-account" });
  });

  it("the address found in another account than the identity's: that account's state says nothing", () => {
    const d = decideSentCopy(input({ identity: { email: ADDRESS, accountId: "account9" }, account: account({ held: true }) }));
    expect(d).toMatchObject({ keep: true, reason: "other-account" });
  });

  it("an identity without its account id: the address's account decides", () => {
    expect(decideSentCopy(input({ identity: { email: ADDRESS }, account: account({ held: true }) })).keep).toBe(false);
  });

  it("the same message again once the logon works: the identity's own Sent folder is put back", () => {
    const d = decideSentCopy(input({ overriddenBefore: true }));
    expect(d).toEqual({ keep: true, reason: "logon-works", restore: true });
    expect(sentCopyDetails(d)).toEqual({ overrideDefaultFcc: false });
    // Still not working: still no copy.
    expect(sentCopyDetails(decideSentCopy(input({ overriddenBefore: true, account: account({ held: true }) })))).toEqual({
      overrideDefaultFccFolder: "",
    });
  });
});

import { describe, expect, it } from "vitest";
import { repairConfirmed } from "./accounts.ts";
import type { CreateAccountRequest } from "./api.ts";
import { fail, guarded } from "./results.ts";

const REQ: CreateAccountRequest = {
  email: "a@a.fr",
  realName: "A",
  imap: { host: "imap.a.fr", port: 143, socketType: 2, authMethod: 7 },
  smtp: { host: "imap.a.fr", port: 587, socketType: 2, authMethod: 7 },
};
const PLANNED = [
  { field: "imap.port", from: 993, to: 143 },
  { field: "identity.email", from: "b@a.fr", to: "a@a.fr" },
];

describe("a repair's confirmation", () => {
  it("holds only for that account and every field the plan listed", () => {
    expect(repairConfirmed(REQ, "account1", PLANNED)).toBe(false);
    expect(
      repairConfirmed({ ...REQ, confirmedRepair: { accountId: "account1", fields: ["imap.port", "identity.email"] } }, "account1", PLANNED),
    ).toBe(true);
    expect(
      repairConfirmed({ ...REQ, confirmedRepair: { accountId: "account2", fields: ["imap.port", "identity.email"] } }, "account1", PLANNED),
    ).toBe(false);
    expect(repairConfirmed({ ...REQ, confirmedRepair: { accountId: "account1", fields: ["imap.port"] } }, "account1", PLANNED)).toBe(false);
  });
});

describe("the never-reject rule", () => {
  it("turns anything thrown into a failure with a short detail", async () => {
    expect(await guarded("x-failed", () => ({ ok: true }))).toEqual({ ok: true });
    expect(await guarded("x-failed", () => Promise.reject(new Error("NS_ERROR_FAILURE")))).toEqual({
      ok: false,
      code: "x-failed",
      message: "Thunderbird refused the operation",
      detail: "NS_ERROR_FAILURE",
    });
    expect(
      await guarded("x-failed", () => {
        throw "plain";
      }),
    ).toMatchObject({ detail: "plain" });
    expect(
      await guarded("x-failed", () => {
        throw { message: "from another compartment" };
      }),
    ).toMatchObject({ detail: "from another compartment" });
    expect(fail("c", "m", new Error("x".repeat(600))).detail).toHaveLength(500);
    expect(fail("c", "m")).toEqual({ ok: false, code: "c", message: "m" });
  });
});

import { describe, expect, it } from "vitest";
import { rememberForHosts } from "./certificates.ts";

describe("rememberForHosts", () => {
  it("remembers for each host in order", () => {
    const seen: string[] = [];
    expect(rememberForHosts(["imap.a.fr", "smtp.a.fr"], (h) => void seen.push(h))).toEqual({
      ok: true,
      remembered: ["imap.a.fr", "smtp.a.fr"],
    });
    expect(seen).toEqual(["imap.a.fr", "smtp.a.fr"]);
  });

  it("stops at the first refusal and says which hosts were already remembered", () => {
    const r = rememberForHosts(["imap.a.fr", "smtp.a.fr", "other.a.fr"], (h) => {
      if (h.startsWith("smtp")) throw new Error("NS_ERROR_XPC_NOT_ENOUGH_ARGS");
    });
    expect(r).toMatchObject({ ok: false, code: "remember-failed", detail: "NS_ERROR_XPC_NOT_ENOUGH_ARGS" });
    expect(r.ok === false && r.message).toMatch(/for smtp\.a\.fr .*; already remembered for imap\.a\.fr$/);
  });
});

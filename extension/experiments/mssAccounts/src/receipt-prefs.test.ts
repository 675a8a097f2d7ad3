import { describe, expect, it } from "vitest";
import { setReceiptPrefs } from "./receipt-prefs.ts";

describe("setReceiptPrefs", () => {
  it("gives the account its own receipt settings: enabled, ask for every kind of request, none requested by default", () => {
    const server = new Map<string, unknown>();
    const identity = new Map<string, unknown>();
    setReceiptPrefs(
      { setBoolValue: (p, v) => void server.set(p, v), setIntValue: (p, v) => void server.set(p, v) },
      { setBoolAttribute: (p, v) => void identity.set(p, v) },
    );
    expect(Object.fromEntries(server)).toEqual({ mdn_report_enabled: true, mdn_not_in_to_cc: 2, mdn_outside_domain: 2, mdn_other: 2 });
    expect(Object.fromEntries(identity)).toEqual({ use_custom_prefs: true, request_return_receipt_on: false });
  });
});

/** Per-recipient states from reports: never lowered, a failure overrides; the tag of the whole message. */
import { describe, expect, it } from "vitest";
import type { DeliveryReport } from "../../../shared/domain/delivery-report.ts";
import { applyReport, receiptTag } from "./receipt-state.ts";
import { withReceiptTag } from "./receipt-tags.ts";

const at = () => new Date().toISOString();
const dsn = (address: string, action: "delivered" | "relayed" | "delayed" | "failed" | "expanded"): DeliveryReport => ({
  kind: "dsn",
  originalMessageId: "m@x",
  envelopeId: null,
  recipients: [{ address, action, status: action === "failed" ? "5.1.1" : "2.0.0" }],
});
const mdn = (address: string, disposition: string): DeliveryReport => ({ kind: "mdn", originalMessageId: "m@x", address, disposition });

describe("receipt state", () => {
  it("delayed then delivered then read; a late delayed does not lower it", () => {
    let s = applyReport(undefined, dsn("a@x", "delayed"), at());
    expect(receiptTag(s)).toBeNull();
    s = applyReport(s, dsn("a@x", "delivered"), at());
    expect(s.recipients["a@x"]?.state).toBe("delivered");
    expect(receiptTag(s)).toBe("delivered");
    s = applyReport(s, mdn("a@x", "displayed"), at());
    expect(receiptTag(s)).toBe("read");
    s = applyReport(s, dsn("a@x", "delayed"), at());
    expect(s.recipients["a@x"]).toMatchObject({ state: "read", detail: "displayed" });
  });

  it("two recipients: read by one only is delivered; one failure makes the message failed", () => {
    let s = applyReport(undefined, dsn("a@x", "relayed"), at());
    s = applyReport(s, dsn("b@y", "expanded"), at());
    expect(s.recipients["b@y"]?.state).toBe("delivered");
    s = applyReport(s, mdn("a@x", "displayed"), at());
    expect(receiptTag(s)).toBe("delivered");
    s = applyReport(s, mdn("b@y", "deleted"), at());
    expect(s.recipients["b@y"]?.state).toBe("deleted");
    s = applyReport(s, dsn("b@y", "failed"), at());
    expect(receiptTag(s)).toBe("failed");
  });

  it("the message's tag replaces ours only", () => {
    expect(withReceiptTag(["$label1", "mss_delivered"], "read")).toEqual(["$label1", "mss_read"]);
  });
});

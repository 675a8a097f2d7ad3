/** Delivery reports as Postfix and Thunderbird write them → the original Message-ID and per-recipient actions. */
import { describe, expect, it } from "vitest";
import { postfixDsn, thunderbirdMdn } from "../../extension/test-support/delivery-reports.ts";
import { bareMessageId, parseDeliveryReport } from "./delivery-report.ts";

const SENDER = "jean.dupont@medecin.mssante.fr";
const ID = `${Date.now()}.abc@medecin.mssante.fr`;

describe("parseDeliveryReport", () => {
  it("Postfix's success DSN: delivered, the status code, the Message-ID from the returned headers", () => {
    const raw = postfixDsn({
      sender: SENDER,
      messageId: ID,
      recipients: [{ address: "Paul.Martin@Hopital.mssante.fr", action: "delivered", status: "2.0.0", diagnostic: "250 2.0.0 <x> Saved" }],
    });
    expect(parseDeliveryReport(raw)).toEqual({
      kind: "dsn",
      originalMessageId: ID,
      envelopeId: null,
      recipients: [{ address: "paul.martin@hopital.mssante.fr", action: "delivered", status: "2.0.0" }],
    });
  });

  it("a failure and a relay in one report, the status part in base64, an envelope id kept", () => {
    const raw = postfixDsn({
      sender: SENDER,
      messageId: ID,
      envelopeId: "QQ1234",
      encodeStatusAs: "base64",
      recipients: [
        { address: "a@x.mssante.fr", action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" },
        { address: "b@y.mssante.fr", action: "relayed", status: "2.0.0", diagnostic: "250 2.0.0 Ok: queued" },
      ],
    });
    const r = parseDeliveryReport(raw);
    expect(r).toMatchObject({ kind: "dsn", originalMessageId: ID, envelopeId: "QQ1234" });
    expect(r?.kind === "dsn" && r.recipients.map((x) => [x.address, x.action, x.status])).toEqual([
      ["a@x.mssante.fr", "failed", "5.1.1"],
      ["b@y.mssante.fr", "relayed", "2.0.0"],
    ]);
  });

  it("without the returned headers, an envelope id shaped like a Message-ID names the message", () => {
    const raw = postfixDsn({
      sender: SENDER,
      messageId: ID,
      envelopeId: `<${ID}>`,
      recipients: [{ address: "a@x.mssante.fr", action: "delayed", status: "4.4.1", diagnostic: "connect timed out" }],
    }).replace(/Message-ID: <[^>]+>\r\n/, "");
    expect(parseDeliveryReport(raw)).toMatchObject({ originalMessageId: ID, recipients: [{ action: "delayed" }] });
  });

  it("Thunderbird's read receipt: displayed, deleted; the reader's address", () => {
    for (const disposition of ["displayed", "deleted"]) {
      const raw = thunderbirdMdn({ from: "Paul.Martin@hopital.mssante.fr", to: SENDER, messageId: ID, disposition });
      expect(parseDeliveryReport(raw)).toEqual({
        kind: "mdn",
        originalMessageId: ID,
        address: "paul.martin@hopital.mssante.fr",
        disposition,
      });
    }
  });

  it("anything else is no report", () => {
    expect(parseDeliveryReport("From: a@b\r\nSubject: hi\r\n\r\nbody")).toBeNull();
    expect(
      parseDeliveryReport(
        'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--',
      ),
    ).toBeNull();
    expect(parseDeliveryReport('Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x--')).toBeNull();
  });

  it("bareMessageId", () => {
    expect(bareMessageId("<a.b@c>")).toBe("a.b@c");
    expect(bareMessageId(" a.b@c ")).toBe("a.b@c");
    expect(bareMessageId("")).toBeNull();
    expect(bareMessageId("a b")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { TEST_INS } from "../../../test/fixtures/xdm-builder.ts";
import { composeSendDetails, hasPatientRecipient, NO_CHOICES, type SendFacts } from "./compose-send-details.ts";

const XDM = { "X-MSS-CODECDA": "11488-4", "X-MSS-INS": "O" };
const PATIENT = `${TEST_INS}@patient.mssante.fr`;

function facts(patch: Partial<SendFacts> = {}): SendFacts {
  return { choices: NO_CHOICES, mssSender: true, recipients: ["a@chu-lyon.mssante.fr"], customHeaders: [], identityHeaders: {}, ...patch };
}

describe("composeSendDetails", () => {
  it("asks for a DSN on every message from an MSSanté identity, with no header when there is nothing to say", () => {
    expect(composeSendDetails(facts())).toEqual({ deliveryStatusNotification: true });
  });

  it("adds X-MSS-CODECDA and X-MSS-INS of the attached archive and keeps the message's own X- headers", () => {
    const d = composeSendDetails(
      facts({
        choices: { ...NO_CHOICES, xdmHeaders: XDM },
        customHeaders: [
          { name: "X-Other", value: "1" },
          { name: "x-mss-ins", value: "N" },
        ],
      }),
    );
    expect(d).toEqual({
      deliveryStatusNotification: true,
      customHeaders: [
        { name: "X-Other", value: "1" },
        { name: "X-MSS-CODECDA", value: "11488-4" },
        { name: "X-MSS-INS", value: "O" },
      ],
    });
  });

  it("adds X-MSS-MES: FIN only when the GP chose it and a recipient is a patient", () => {
    const choices = { ...NO_CHOICES, blockPatientReply: true };
    expect(composeSendDetails(facts({ choices, recipients: [PATIENT] }))?.customHeaders).toEqual([{ name: "X-MSS-MES", value: "FIN" }]);
    expect(composeSendDetails(facts({ choices }))?.customHeaders).toBeUndefined();
  });

  it("adds X-MSS-NIL when the product reference is declared", () => {
    expect(composeSendDetails(facts({ identityHeaders: { "X-MSS-NIL": "REF-1" } }))?.customHeaders).toEqual([
      { name: "X-MSS-NIL", value: "REF-1" },
    ]);
  });

  it("from another identity: no X-MSS header, no DSN, only the read receipt the GP asked for", () => {
    const choices = { xdmHeaders: XDM, blockPatientReply: true, returnReceipt: true };
    expect(composeSendDetails(facts({ mssSender: false, choices, recipients: [PATIENT] }))).toEqual({ returnReceipt: true });
    expect(composeSendDetails(facts({ mssSender: false }))).toBeNull();
  });

  it("asks for the read receipt from an MSSanté identity too", () => {
    expect(composeSendDetails(facts({ choices: { ...NO_CHOICES, returnReceipt: true } }))).toEqual({
      returnReceipt: true,
      deliveryStatusNotification: true,
    });
  });

  it("tells a patient's address from others, the domain in any case", () => {
    expect(hasPatientRecipient([`${TEST_INS}@Patient.MSSante.fr`])).toBe(true);
    expect(hasPatientRecipient(["a@chu-lyon.mssante.fr", "x@gmail.com"])).toBe(false);
  });
});

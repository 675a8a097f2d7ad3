/**
 * Mon espace santé's bounces, recognised from delivery status notifications written here the way
 * Postfix writes them (bounce(8): multipart/report, a text part, message/delivery-status, the
 * returned headers). No real Mon espace santé bounce was available: these follow RFC 3464 and
 * RFC 3463's codes, not recorded messages. The INS matricules are invented.
 */
import { describe, expect, it } from "vitest";
import { dsn } from "../../test/fixtures/dsn-builder.ts";
import { readDsnFields } from "./delivery-report.ts";
import { recogniseMesBounce } from "./mes-bounce.ts";

const PATIENT = "279035121518989@patient.mssante.fr";

const recognise = (raw: string) => recogniseMesBounce(readDsnFields(raw));

describe("Mon espace santé's bounces", () => {
  it("names each of the four cases by its RFC 3463 status", () => {
    for (const [status, kind, diagnostic] of [
      ["5.1.1", "patient-unknown", "550 5.1.1 <x>: Recipient address rejected: User unknown"],
      ["5.1.3", "invalid-address", "501 5.1.3 Bad recipient address syntax"],
      ["5.2.1", "account-closed", "550 5.2.1 Mailbox disabled"],
      ["5.3.4", "too-large", "552 5.3.4 Message size exceeds fixed limit"],
      ["5.2.3", "too-large", "552 5.2.3 Message length exceeds administrative limit"],
    ] as const) {
      const r = recognise(dsn([{ address: PATIENT, action: "failed", status, diagnostic, remoteMta: "mx.patient.mssante.fr" }]));
      expect(r, status).toEqual([{ address: PATIENT, kind, status, diagnostic }]);
    }
  });

  it("falls back on the Diagnostic-Code's words, French or English, for a generic status; else 'other'", () => {
    const one = (diagnostic: string) => recognise(dsn([{ address: PATIENT, action: "failed", status: "5.0.0", diagnostic }]))?.[0]?.kind;
    expect(one("550 5.0.0 Compte patient clôturé")).toBe("account-closed");
    expect(one("550 5.0.0 Patient inconnu")).toBe("patient-unknown");
    expect(one("550 5.0.0 Adresse invalide")).toBe("invalid-address");
    expect(one("552 5.0.0 Message trop volumineux")).toBe("too-large");
    expect(one("550 5.0.0 Rejected by policy")).toBe("other");
  });

  it("reads a base64-encoded delivery-status part and a report from Mon espace santé's own MTA", () => {
    const r = recognise(
      dsn([{ address: PATIENT, action: "failed", status: "5.2.1" }], { base64: true, reportingMta: "mx.patient.mssante.fr" }),
    );
    expect(r).toEqual([{ address: PATIENT, kind: "account-closed", status: "5.2.1", diagnostic: null }]);
  });

  it("keeps only the patients among several recipients", () => {
    const r = recognise(
      dsn([
        { address: "dr.martin@chu.mssante.fr", action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" },
        { address: "a@chu.mssante.fr", action: "delivered", status: "2.0.0" },
        { address: PATIENT.toUpperCase(), action: "failed", status: "5.1.1" },
      ]),
    );
    expect(r).toEqual([{ address: PATIENT, kind: "patient-unknown", status: "5.1.1", diagnostic: null }]);
  });

  it("does not misread other reports: a professional's bounce, a delay, a success, a look-alike domain, a read receipt, a plain message", () => {
    expect(
      recognise(dsn([{ address: "dr.martin@chu.mssante.fr", action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" }])),
    ).toBeNull();
    expect(recognise(dsn([{ address: "x@patient.mssante.fr.example.com", action: "failed", status: "5.2.1" }]))).toBeNull();
    expect(
      recognise(dsn([{ address: PATIENT, action: "delayed", status: "4.4.1", diagnostic: "connect to mx.patient.mssante.fr: timed out" }])),
    ).toBeNull();
    expect(recognise(dsn([{ address: PATIENT, action: "delivered", status: "2.0.0" }]))).toBeNull();
    // Reported by Mon espace santé's MTA, about someone else: not a patient's bounce.
    expect(
      recognise(
        dsn([{ address: "dr.martin@chu.mssante.fr", action: "failed", status: "5.2.1" }], { reportingMta: "mx.patient.mssante.fr" }),
      ),
    ).toBeNull();
    expect(
      readDsnFields(dsn([{ address: PATIENT, action: "failed", status: "5.1.1" }], { reportType: "disposition-notification" })),
    ).toBeNull();
    expect(readDsnFields("From: a@b\r\nSubject: hello\r\n\r\nUser unknown 5.1.1 patient.mssante.fr")).toBeNull();
    expect(recogniseMesBounce(null)).toBeNull();
  });

  it("reads the DSN's fields as RFC 3464 writes them", () => {
    const f = readDsnFields(
      dsn([{ address: PATIENT, action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 unknown", remoteMta: "MX.patient.mssante.fr" }]),
    );
    expect(f).toEqual({
      reportingMta: "mx.operateur.mssante.fr",
      recipients: [
        { address: PATIENT, action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 unknown", remoteMta: "mx.patient.mssante.fr" },
      ],
    });
  });
});

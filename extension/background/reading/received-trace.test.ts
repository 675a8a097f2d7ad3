import { describe, expect, it } from "vitest";
import { ownDomains, parseAuthenticationResults, parseReceived, readReceivedTrace, withinDomain } from "./received-trace.ts";

const LMTP =
  "from mx.operateur.mssante.fr ([10.0.0.2]) by imap.operateur.mssante.fr with LMTP id abc for <me@medecin.mssante.fr>; Mon, 1 Jun 2026 10:00:00 +0200";
const TRUST_HOP =
  'from mx.autre.mssante.fr (mx.autre.mssante.fr [10.1.2.3]) (using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)) (Client CN "mx.autre.mssante.fr", Issuer "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" (verified OK)) by mx.operateur.mssante.fr (Postfix) with ESMTPS id 4AB; Mon, 1 Jun 2026 10:00:00 +0200';
const OUTSIDE_HOP =
  "from mail.example.com (mail.example.com [192.0.2.7]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) (No client certificate requested) by mx.operateur.mssante.fr (Postfix) with ESMTPS id 9CD; Mon, 1 Jun 2026 10:00:00 +0200";
const OWN = ownDomains("me@medecin.mssante.fr", "imap.operateur.mssante.fr");

describe("parseReceived", () => {
  it("reads Postfix's hop with its verified client certificate", () => {
    expect(parseReceived(TRUST_HOP)).toEqual({
      helo: "mx.autre.mssante.fr",
      rdns: "mx.autre.mssante.fr",
      by: "mx.operateur.mssante.fr",
      protocol: "ESMTPS",
      clientCert: { cn: "mx.autre.mssante.fr", issuer: "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", verified: true },
    });
  });
  it("reads an LMTP hop and an unknown reverse name", () => {
    expect(parseReceived(LMTP)).toMatchObject({ by: "imap.operateur.mssante.fr", protocol: "LMTP", clientCert: null });
    expect(parseReceived("from x (unknown [192.0.2.1]) by mx.a.fr with SMTP").rdns).toBeNull();
  });
});

describe("parseAuthenticationResults", () => {
  it("reads the authserv-id, methods and properties, without comments", () => {
    expect(
      parseAuthenticationResults(
        "mx.operateur.mssante.fr; dkim=pass (2048-bit key) header.d=autre.mssante.fr; spf=fail smtp.mailfrom=x@example.com",
      ),
    ).toEqual({
      authservId: "mx.operateur.mssante.fr",
      results: [
        { method: "dkim", result: "pass", props: { "header.d": "autre.mssante.fr" } },
        { method: "spf", result: "fail", props: { "smtp.mailfrom": "x@example.com" } },
      ],
    });
  });
});

describe("ownDomains / withinDomain", () => {
  it("takes the address's domain and the IMAP host's parent", () => {
    expect(OWN).toEqual(["medecin.mssante.fr", "operateur.mssante.fr"]);
    expect(withinDomain("mx.operateur.mssante.fr", "operateur.mssante.fr")).toBe(true);
    expect(withinDomain("evil-operateur.mssante.fr", "operateur.mssante.fr")).toBe(false);
  });
});

describe("readReceivedTrace", () => {
  const trace = (received: string[], ar: string[] = [], from = "autre.mssante.fr") =>
    readReceivedTrace({ received, authenticationResults: ar }, OWN, from);

  it("proves the trust space by the operator's entry hop with a verified IGC-Santé certificate", () => {
    const t = trace([LMTP, TRUST_HOP, "from forged by anything with ESMTP"]);
    expect(t.viaTrustSpace).toBe(true);
    expect(t.findings).toEqual(["igc-sante-tls"]);
    expect(t.entryHop?.by).toBe("mx.operateur.mssante.fr");
  });

  it("does not prove it for a hop from outside (no client certificate)", () => {
    const t = trace([LMTP, OUTSIDE_HOP]);
    expect(t.viaTrustSpace).toBe(false);
    expect(t.findings).toEqual([]);
  });

  it("ignores a certificate claim in a lower Received header written by the sender", () => {
    expect(trace([LMTP, OUTSIDE_HOP, TRUST_HOP]).viaTrustSpace).toBe(false);
  });

  it("ignores an entry hop by a host outside the account's domains", () => {
    const t = trace([TRUST_HOP.replace("by mx.operateur.mssante.fr", "by mx.ailleurs.fr")]);
    expect(t.viaTrustSpace).toBe(false);
    expect(t.findings).toContain("no-own-hop");
  });

  it("reads no hop at all as unproven", () => {
    expect(trace([]).findings).toEqual(["no-own-hop"]);
  });

  it("accepts the operator's DKIM pass aligned with the From domain", () => {
    const t = trace([LMTP, OUTSIDE_HOP], ["mx.operateur.mssante.fr; dkim=pass header.d=autre.mssante.fr; spf=pass"]);
    expect(t.findings).toEqual(["from-domain-authenticated"]);
    expect(t.viaTrustSpace).toBe(true);
  });

  it("ignores Authentication-Results of another authserv-id", () => {
    expect(trace([LMTP, OUTSIDE_HOP], ["mx.example.com; dkim=pass header.d=autre.mssante.fr; dmarc=pass"]).viaTrustSpace).toBe(false);
  });

  it("a DMARC failure overrides the certificate", () => {
    const t = trace([LMTP, TRUST_HOP], ["mx.operateur.mssante.fr; dmarc=fail header.from=autre.mssante.fr"]);
    expect(t.findings).toEqual(["igc-sante-tls", "authentication-failed"]);
    expect(t.viaTrustSpace).toBe(false);
  });

  it("DKIM of another domain does not authenticate the From domain", () => {
    expect(trace([LMTP, OUTSIDE_HOP], ["mx.operateur.mssante.fr; dkim=pass header.d=example.com"]).viaTrustSpace).toBe(false);
  });
});

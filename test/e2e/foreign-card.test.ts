/**
 * Issue #5, proof 5: a card whose certificate comes from a foreign CA (same subject as the doctor's,
 * not issued by the IGC-Santé test CA) is refused by the server, and the extension says so
 * precisely. Its own environment: the token holds the foreign certificate from the start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { DOCTOR, E2E_COMPONENTS, HOSTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { pageClick, waitForPage } from "./support/pages.ts";
import { listAccounts } from "./support/chrome.ts";

const reason = missingComponents("e2e foreign-CA card (issue 5)", E2E_COMPONENTS);
const SETUP = "pages/setup/setup.html";

describe.skipIf(reason)("issue 5: a card certificate from a foreign CA", () => {
  const started = Date.now();
  let env: E2EEnv;

  beforeAll(async () => {
    env = await startE2EEnv({ cardCertificate: "foreign" });
  });
  afterAll(async () => {
    await env?.stop();
    console.log(`[e2e] foreign-CA suite wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("5. is refused by the server and the extension reports that the server refused the card", async () => {
    const driver = env.tb!.driver;
    await waitForPage(
      driver,
      SETUP,
      ["#create"],
      (s) => !!s.elements["#create"]?.visible && s.elements["#create"]?.disabled === false,
      "the setup page to offer account creation",
      60_000,
    );
    const mark = env.dovecot.logMark();
    await pageClick(driver, SETUP, "#create");
    const out = await waitForPage(
      driver,
      SETUP,
      ["#result", "#result-title", "#result-text"],
      (s) => !!s.elements["#result"]?.visible,
      "the setup outcome",
      90_000,
    );

    // The server side: the EXTERNAL login was refused — no login happened. Dovecot asks for a
    // certificate from the IGC-Santé CA (its CA list in the handshake); NSS then either offers the
    // foreign one (Dovecot: invalid certificate) or none (Dovecot: no certificate). Both are refusals.
    const dlog = () => env.dovecot.log().slice(mark);
    const why = () => `${JSON.stringify(out.elements)}\n${dlog()}\n${env.tb!.output().slice(-2000)}`;
    expect(dlog(), why()).toMatch(/external\(.*\): Client didn't present valid SSL certificate/);
    expect(dlog(), why()).toMatch(
      /Disconnected: .*\((client didn't send a cert|client sent an invalid cert|auth failed[^)]*)\).*method=EXTERNAL/,
    );
    expect(dlog()).not.toMatch(/Login: user=</);

    // The extension's report: a failed logon classified as refused by the server, with what to do.
    const result = out.elements["#result"]!;
    expect(result.dataset?.outcome, JSON.stringify(out.elements)).toBe("failure");
    // Precisely: the card is not from IGC-Santé (the setup flow knows the issuer from the card).
    expect(result.dataset?.code, JSON.stringify(out.elements)).toBe("logon-cert-not-igc-sante");
    expect(out.elements["#result-title"]?.text).toMatch(/IGC-Sant/);
    expect(out.elements["#result-title"]?.text).toMatch(/refus/i);
    console.log(
      `[e2e] foreign-CA card reported as ${result.dataset?.code}: ${out.elements["#result-title"]?.text} / ${out.elements["#result-text"]?.text}`,
    );

    // The account was still created (the card's identity and the directory are fine); only the
    // login is refused, which the user is told about.
    const { accounts } = await listAccounts(driver);
    const imap = accounts.filter((a) => a.incoming?.type === "imap");
    expect(imap).toHaveLength(1);
    expect(imap[0]!.incoming).toMatchObject({ hostname: HOSTS.imapCert });
    expect(imap[0]!.identities[0]!.email).toBe(DOCTOR.address);
  });
});

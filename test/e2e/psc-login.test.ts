/**
 * Issue #16: a personal mailbox signed in through Pro Santé Connect, in a real Thunderbird 153
 * with the built extension, against the test PSC (a real OpenID provider configured like PSC,
 * test/harness/oidc-provider.ts), a Dovecot taking XOAUTH2 with its tokens (introspection) and a
 * Postfix submitting through that Dovecot. The operator policy of the test domain says
 * `login: "psc"`; SRV announces both fronts (10 = PSC, 20 = certificate).
 *
 * One click: discovery picks the PSC front, the extension registers PSC as Thunderbird's OAuth2
 * provider, creates IMAP and SMTP with OAuth2 (10) and the card's idNat, and the logon opens
 * Thunderbird's OAuth window, where PSC's sign-in page takes the virtual card (NSS asks the PIN,
 * the driver answers). Then mail is sent and delivered, and keeps flowing after the access token
 * (shortened to 20 s here) has expired: Thunderbird refreshed it. No token is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, HOSTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import type { Driver } from "../harness/thunderbird.ts";
import { listAccounts } from "./support/chrome.ts";
import { pageClick, waitForPage } from "./support/pages.ts";

const reason = missingComponents("e2e PSC login (issue 16)", [...E2E_COMPONENTS]);
const SETUP = "pages/setup/setup.html";
const RESULT = ["#result", "#result-title", "#result-text", "#confirm", "#progress"];
const COLLEAGUE = COLLEAGUES[0].address;
/** Short enough that a refresh happens within the test (Thunderbird refreshes 30 s before expiry). */
const ACCESS_TOKEN_TTL = 35;

async function runOneClick(driver: Driver) {
  await waitForPage(
    driver,
    SETUP,
    ["#create"],
    (s) => !!s.elements["#create"]?.visible && s.elements["#create"]?.disabled === false,
    "the setup page to offer account creation",
    60_000,
  );
  await pageClick(driver, SETUP, "#create");
  return await waitForPage(
    driver,
    SETUP,
    RESULT,
    (s) => !!(s.elements["#result"]?.visible || s.elements["#confirm"]?.visible),
    "the setup outcome",
    150_000,
  );
}

async function send(driver: Driver, identityId: string, to: string[], subject: string): Promise<{ ok: boolean; error?: string }> {
  const tab = await driver.api<{ id: number }>("compose.beginNew", null, {
    identityId,
    to,
    subject,
    plainTextBody: "Bonjour.",
    isPlainText: true,
  });
  try {
    const r = await driver.api<{ messages?: unknown[] } | null>("compose.sendMessage", tab.id, { mode: "sendNow" });
    return r && Array.isArray(r.messages) && r.messages.length > 0
      ? { ok: true }
      : { ok: false, error: `sendMessage returned ${JSON.stringify(r)}` };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Successful token grants (a code exchange or a refresh) in the provider's events, which hold no token. */
const grants = (env: E2EEnv) => env.psc!.provider.events().filter((e) => e.startsWith("grant.success")).length;

describe.skipIf(reason)("issue 16: a personal mailbox through Pro Santé Connect, in a real Thunderbird", () => {
  const suiteStart = Date.now();
  let env: E2EEnv;
  let driver: Driver;
  let identityId = "";

  beforeAll(async () => {
    // The card's certificate remembered for the sign-in host (the setup does it, also for private
    // browsing) was not used in Thunderbird 153's OAuth window (NSS sent none, the driver cancels
    // the chooser): the certificate is chosen automatically here, as a GP chooses the card there.
    env = await startE2EEnv({
      psc: { accessTokenTtl: ACCESS_TOKEN_TTL },
      thunderbirdOptions: { prefs: { "security.default_personal_cert": "Select Automatically" } },
    });
    driver = env.tb!.driver;
    console.log(`[e2e] environment up in ${((Date.now() - suiteStart) / 1000).toFixed(1)} s: ${JSON.stringify(env.timings)}`);
  });

  afterAll(async () => {
    await env?.stop();
    console.log(`[e2e] PSC suite wall time: ${((Date.now() - suiteStart) / 1000).toFixed(1)} s`);
  });

  it("1. one click provisions IMAP and SMTP with OAuth2 on the PSC front; the card signs in at PSC; Dovecot logs XOAUTH2 for the card holder", async () => {
    await waitForPage(
      driver,
      SETUP,
      ["#state-bridge", "#candidates"],
      (s) => s.elements["#state-bridge"]?.dataset?.state === "connected" && !!s.elements["#candidates"]?.text,
      "the bridge and the directory candidates",
      90_000,
    );
    const mark = env.psc!.dovecot.logMark();
    const outcome = await runOneClick(driver);
    // On failure: the page's outcome and the provider's events (paths and event names, no token).
    const why = `${JSON.stringify(outcome.elements["#result"])}\n${env.psc!.provider.events().join("\n")}`;
    expect(outcome.elements["#result"]?.dataset, why).toMatchObject({ outcome: "success", method: "psc" });
    expect(outcome.elements["#result-text"]?.text).toMatch(/Pro Santé Connect/);

    const all = await listAccounts(driver);
    const accounts = all.accounts.filter((a) => a.incoming?.type === "imap");
    expect(accounts).toHaveLength(1);
    const account = accounts[0]!;
    expect(account.incoming).toMatchObject({
      hostname: HOSTS.imapPsc,
      port: env.psc!.dovecot.imapPort,
      socketType: 2,
      authMethod: 10,
      username: DOCTOR.idNat,
    });
    const identity = account.identities[0]!;
    identityId = identity.key;
    const smtp = all.smtp.find((s) => s.key === identity.smtpServerKey);
    expect(smtp).toMatchObject({ hostname: HOSTS.smtpPsc, port: env.psc!.postfix.submissionPort, authMethod: 10, username: DOCTOR.idNat });

    // PSC's sign-in page took the card (TLS client certificate), and the code went to the token endpoint.
    const events = env.psc!.provider.events();
    expect(
      events.some((e) => e.startsWith(`card.signed-in ${DOCTOR.idNat}`)),
      events.join("\n"),
    ).toBe(true);
    expect(events.some((e) => e.startsWith("grant.success"))).toBe(true);
    await env.psc!.dovecot.waitForLog(new RegExp(`Login: user=<${DOCTOR.idNat}>, method=XOAUTH2`), 30_000, mark);
  });

  it("2. a message is sent (SMTP XOAUTH2 through Dovecot's SASL) and delivered", async () => {
    const subject = `PSC e2e ${Date.now()}`;
    const mark = env.psc!.postfix.logMark();
    const r = await send(driver, identityId, [COLLEAGUE], subject);
    expect(r, r.error).toMatchObject({ ok: true });
    await env.psc!.postfix.waitForLog(new RegExp(`sasl_method=XOAUTH2, sasl_username=${DOCTOR.idNat}`), 20_000, mark);
    const delivered = await env.psc!.dovecot.waitForMessage(COLLEAGUE, `Subject: ${subject}`);
    expect(delivered).toContain(DOCTOR.address);
  });

  it("3. after the access token has expired, mail still flows: Thunderbird refreshed it without a new sign-in", async () => {
    const signInsBefore = env.psc!.provider.events().filter((e) => e.startsWith("card.signed-in")).length;
    const grantsBefore = grants(env);
    await new Promise((r) => setTimeout(r, (ACCESS_TOKEN_TTL + 2) * 1000));
    const subject = `PSC e2e after expiry ${Date.now()}`;
    const mark = env.psc!.postfix.logMark();
    const r = await send(driver, identityId, [COLLEAGUE], subject);
    expect(r, r.error).toMatchObject({ ok: true });
    await env.psc!.postfix.waitForLog(new RegExp(`sasl_method=XOAUTH2, sasl_username=${DOCTOR.idNat}`), 20_000, mark);
    await env.psc!.dovecot.waitForMessage(COLLEAGUE, `Subject: ${subject}`);
    expect(grants(env)).toBeGreaterThan(grantsBefore);
    // No second sign-in with the card: the refresh token did it.
    expect(env.psc!.provider.events().filter((e) => e.startsWith("card.signed-in")).length).toBe(signInsBefore);
  }, 120_000);

  it("4. after PSC revoked the refresh token, Thunderbird signs in again once by itself (PSC's session still valid), mail flows, nothing loops", async () => {
    const count = (prefix: string) => env.psc!.provider.events().filter((e) => e.startsWith(prefix)).length;
    const authorizations = count("authorization.success");
    expect(await env.psc!.provider.revokeAccount(DOCTOR.idNat)).toBeGreaterThan(0);
    // Past the access token's life: the next connection needs a refresh, which PSC refuses.
    await new Promise((r) => setTimeout(r, (ACCESS_TOKEN_TTL + 2) * 1000));
    const subject = `PSC e2e after revocation ${Date.now()}`;
    const r = await send(driver, identityId, [COLLEAGUE], subject);
    const events = env.psc!.provider.events();
    expect(
      events.some((e) => e.startsWith("grant.error") && e.includes("invalid_grant")),
      events.join("\n"),
    ).toBe(true);
    // Thunderbird opened the sign-in once; the provider's PSC session (its cookie) was still
    // valid, so it answered without the card (ECO.1.2.7), and mail flows again.
    expect(r, r.error).toMatchObject({ ok: true });
    await env.psc!.dovecot.waitForMessage(COLLEAGUE, `Subject: ${subject}`);
    expect(count("authorization.success")).toBe(authorizations + 1);
    // Nothing loops: no further sign-in.
    await new Promise((r) => setTimeout(r, 15_000));
    expect(count("authorization.success")).toBe(authorizations + 1);
    // Not shown here: the extension's notice in that window (extensions.mssante.pscSessionEnded
    // stayed empty in Thunderbird 153: the window watcher did not see the OAuth window).
  }, 170_000);
});

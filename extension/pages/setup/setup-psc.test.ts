/**
 * The setup page's Pro Santé Connect path: the operator policy's login "psc" makes the page
 * register PSC as Thunderbird's OAuth2 provider before the account, create IMAP and SMTP with
 * OAuth2 (10) and the card's idNat on the PSC front, and remember the card for PSC's sign-in page.
 */
import { describe, expect, it } from "vitest";
import { ADDON_ID, PKCS11_MANIFEST_NAME } from "../../../shared/constants.ts";
import { cardLogin, pscLogin } from "../../../bridge/trust/discover.ts";
import type { OperatorPolicy } from "../../../bridge/config/config.ts";
import type { PscConfig } from "../../../shared/domain/psc-provider.ts";
import type { MethodName, Params, Result } from "../../../shared/protocol/schemas.ts";
import type { ServerTarget } from "../../../shared/domain/trust.ts";
import { DUPONT } from "../../test-support/entries.ts";
import { DUPONT_IDENTITY, TEST_CA_NAME } from "../../../test/fixtures/identity.ts";
import { createFakeMessenger } from "../../test-support/fake-messenger.ts";
import { OAUTH2_AUTH_METHOD, provision, signInHosts, type SetupDeps, type SetupUi } from "./setup-flow.ts";

const DOMAIN = "medecin.mssante.fr";
const target = (
  service: ServerTarget["service"],
  host: string,
  port: number,
  front: ServerTarget["front"],
  priority: number,
): ServerTarget => ({
  service,
  host,
  port,
  priority,
  weight: 0,
  front,
  source: "srv",
  confirmed: true,
});
const TARGETS: ServerTarget[] = [
  target("imap", "psc.medecin.mssante.fr", 143, "psc", 10),
  target("imap", "cert.medecin.mssante.fr", 143, "certificate", 20),
  target("submission", "psc.medecin.mssante.fr", 587, "psc", 10),
  target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20),
];
const PSC: PscConfig = { preset: "bac-a-sable", clientId: "mss-thunderbird" };
const POLICIES: OperatorPolicy[] = [{ domain: DOMAIN, cardFront: "certificate", smtpAuthMethod: 7, login: "psc" }];

function setup(psc: PscConfig | null = PSC, targets = TARGETS) {
  const { messenger, fake } = createFakeMessenger();
  fake.pkcs11Manifests.set(PKCS11_MANIFEST_NAME, { allowed: [ADDON_ID], loadable: true, slots: [{ name: "PCD", token: { name: "CPS" } }] });
  fake.mssAccounts.visibleCerts.add(DUPONT_IDENTITY.certificateSha256);
  const answers: Partial<Record<MethodName, () => unknown>> = {
    "card.getPinStatus": () => ({ state: "ok", pinPad: false }),
    "trust.check": () => ({ address: DUPONT.email, domain: DOMAIN, verdict: "trusted", listDate: null }),
    "discovery.discover": () => {
      const p = pscLogin(targets, POLICIES, DOMAIN, psc);
      return { targets, cardLogin: cardLogin(targets, POLICIES, DOMAIN), ...(p ? { pscLogin: p } : {}) };
    },
    "card.getModuleInfo": () => ({
      manifestName: PKCS11_MANIFEST_NAME,
      manifestInstalled: true,
      moduleAvailable: true,
      moduleDescription: "x",
    }),
  };
  const progress: [string, string, Record<string, string> | undefined][] = [];
  const deps: SetupDeps = {
    bridgeState: () => "connected",
    call: async <M extends MethodName>(method: M, _params: Params<M>): Promise<Result<M>> => {
      const a = answers[method];
      if (!a) throw { code: "METHOD_NOT_FOUND", message: method };
      return a() as Result<M>;
    },
    pkcs11: messenger.pkcs11,
    accounts: messenger.mssAccounts,
    loadCAs: async () => [{ name: "ca", pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", subjectCN: TEST_CA_NAME }],
    recordAccount: async () => {},
  };
  const ui: SetupUi = {
    progress: (s, st, info) => progress.push([s, st, info]),
    confirmTargets: async () => true,
    confirmPin: async () => true,
    confirmRepair: async () => true,
  };
  const run = () => provision(deps, ui, { identity: DUPONT_IDENTITY, address: DUPONT.email });
  return { fake, progress, run };
}

describe("setup with Pro Santé Connect", () => {
  it("registers PSC, then creates IMAP and SMTP with OAuth2 and the idNat on the PSC front", async () => {
    const { fake, progress, run } = setup();
    const r = await run();
    expect(r).toMatchObject({ ok: true, result: { method: "psc", action: "created", login: { kind: "idNat", fallback: false } } });
    const calls = fake.mssAccounts.calls;
    expect(calls.indexOf("registerOAuthProvider")).toBeLessThan(calls.indexOf("createOrRepairAccount"));
    expect(fake.mssAccounts.providers[0]).toMatchObject({
      issuer: "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
      issuerIdentifier: "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
      authorizationEndpoint: "https://wallet.bas.psc.esante.gouv.fr/auth?acr_values=eidas1",
      clientId: "mss-thunderbird",
      scopes: "openid scope_all",
      usePKCE: true,
      hostnames: ["psc.medecin.mssante.fr"],
    });
    const req = fake.mssAccounts.accounts[0]!.req;
    expect(req.imap).toMatchObject({ host: "psc.medecin.mssante.fr", authMethod: OAUTH2_AUTH_METHOD, username: DUPONT_IDENTITY.idNat });
    expect(req.smtp).toMatchObject({ host: "psc.medecin.mssante.fr", authMethod: OAUTH2_AUTH_METHOD, username: DUPONT_IDENTITY.idNat });
    // The card is remembered for PSC's sign-in page, not for the mail hosts.
    expect(fake.mssAccounts.remembered[0]!.hosts).toEqual(["wallet.bas.psc.esante.gouv.fr", "auth.bas.psc.esante.gouv.fr"]);
    expect(progress.find(([s, st]) => s === "discovery" && st === "done")?.[2]).toMatchObject({ method: "psc" });
  });

  it("is idempotent: a second run leaves the account as it is", async () => {
    const { fake, run } = setup();
    await run();
    const again = await run();
    expect(again).toMatchObject({ ok: true, result: { action: "unchanged", method: "psc" } });
    expect(fake.mssAccounts.accounts).toHaveLength(1);
  });

  it("does not try another user name when the PSC login is refused", async () => {
    const { fake, run } = setup();
    fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "refused" };
    const r = await run();
    expect(r).toMatchObject({ ok: false, failure: { step: "logon", code: "logon-login-refused" } });
    expect(fake.mssAccounts.calls).not.toContain("setImapUsername");
  });

  it("stops before changing Thunderbird without a PSC client id, or without a PSC front", async () => {
    const noClient = setup({ preset: "production", clientId: null });
    expect(await noClient.run()).toMatchObject({ ok: false, failure: { step: "discovery", code: "psc-not-configured" } });
    expect(noClient.fake.mssAccounts.calls).toEqual([]);
    const noFront = setup(
      PSC,
      TARGETS.filter((t) => t.front === "certificate"),
    );
    expect(await noFront.run()).toMatchObject({ ok: false, failure: { step: "discovery", code: "no-psc-front" } });
  });

  it("names the sign-in hosts of a provider", () => {
    expect(signInHosts({ authorizationEndpoint: "https://a.test:8443/auth?x=1", issuer: "https://a.test:8443/realm" })).toEqual(["a.test"]);
  });
});

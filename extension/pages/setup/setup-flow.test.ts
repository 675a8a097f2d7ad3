import { beforeEach, describe, expect, it } from "vitest";
import { PKCS11_MANIFEST_NAME, ADDON_ID } from "../../../shared/constants.ts";
import type { MethodName, Params, Result } from "../../../shared/protocol/schemas.ts";
import type { BridgeState } from "../../background/bridge-client.ts";
import type { ProvisionedAccount } from "../../background/card-watch.ts";
import type { Identity, Target } from "../../background/protocol-types.ts";
import { DUPONT, entry } from "../../test-support/entries.ts";
import { createFakeMessenger, type FakeControls } from "../../test-support/fake-messenger.ts";
import {
  chooseTargets,
  DEFAULT_OPERATOR,
  orderCandidates,
  prepare,
  provision,
  realNameFromCard,
  type SetupDeps,
  type SetupUi,
  type StepId,
  type StepState,
} from "./setup-flow.ts";

const FPR = "a1".repeat(32);
const IDENTITY: Identity = {
  idNat: "810001234567",
  idType: "RPPS",
  idNumber: "10001234567",
  kind: "personal",
  surname: "DUPONT",
  givenName: "JEAN",
  profession: "Médecin",
  structure: null,
  notBefore: "2025-01-01T00:00:00Z",
  notAfter: "2028-01-01T00:00:00Z",
  issuer: "TEST AC IGC-SANTE FORTE PERSONNES",
  certificateSerial: "01",
  certificateSha256: FPR,
};
const READER = { name: "Virtual PCD 00 00", cardPresent: true, atr: "3B", model: { id: "cps3", name: "CPS3", family: "CPS3" as const, interface: "contact" as const, rsaPss: false }, unknownCard: false };
const CARD_OK = { pcscAvailable: true, readers: [READER], boundReader: READER.name, unavailable: null };
const target = (service: Target["service"], host: string, port: number, front: Target["front"], priority: number, confirmed = true): Target => ({ service, host, port, priority, weight: 0, front, source: "srv", confirmed });
const TARGETS: Target[] = [
  target("imap", "psc.medecin.mssante.fr", 143, "psc", 10),
  target("imap", "cert.medecin.mssante.fr", 143, "certificate", 20),
  target("submission", "psc.medecin.mssante.fr", 587, "psc", 10),
  target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20),
];
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

type Handler = (params: any) => unknown;
class Env {
  bridge: BridgeState["kind"] = "connected";
  handlers: Partial<Record<MethodName, Handler>> = {};
  calls: MethodName[] = [];
  progress: [StepId, StepState][] = [];
  confirmTargetsAnswer = true;
  confirmPinAnswer = true;
  askedPin: string[] = [];
  askedTargets: Target[][] = [];
  recorded: ProvisionedAccount[] = [];
  cas: { name: string; pem: string; subjectCN?: string }[] = [{ name: "test-ca.pem", pem: CA_PEM, subjectCN: "TEST AC IGC-SANTE FORTE PERSONNES" }];
  fake: FakeControls;
  deps: SetupDeps;
  ui: SetupUi;
  pinSequence: string[] = [];

  constructor() {
    const { messenger, fake } = createFakeMessenger();
    this.fake = fake;
    fake.pkcs11Manifests.set(PKCS11_MANIFEST_NAME, { allowed: [ADDON_ID], loadable: true, slots: [{ name: "Virtual PCD", token: { name: "CPS-TEST" } }] });
    fake.mssAccounts.visibleCerts.add(FPR);
    this.handlers = {
      "card.getState": () => CARD_OK,
      "card.getPinStatus": () => ({ state: this.pinSequence.length > 1 ? this.pinSequence.shift()! : this.pinSequence[0] ?? "ok", pinPad: false }),
      "card.getIdentity": () => IDENTITY,
      "directory.lookupByIdNat": () => ({ entries: [DUPONT] }),
      "trust.check": (p) => ({ address: p.address, domain: p.address.split("@")[1], verdict: "trusted", listDate: "2026-11-20" }),
      "discovery.discover": () => ({ targets: TARGETS }),
      "card.getModuleInfo": () => ({ manifestName: PKCS11_MANIFEST_NAME, manifestInstalled: true, moduleAvailable: true, moduleDescription: "Cryptolib CPS" }),
      "card.installModuleManifest": () => ({ ok: true }),
    };
    this.deps = {
      bridgeState: () => this.bridge,
      call: async <M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> => {
        this.calls.push(method);
        const h = this.handlers[method];
        if (!h) throw { code: "METHOD_NOT_FOUND", message: method };
        return h(params) as Result<M>;
      },
      pkcs11: messenger.pkcs11,
      accounts: messenger.mssAccounts,
      loadCAs: async () => this.cas,
      operatorSettings: () => DEFAULT_OPERATOR,
      recordAccount: async (a) => {
        this.recorded.push(a);
      },
    };
    this.ui = {
      progress: (s, st) => this.progress.push([s, st]),
      confirmTargets: async (t) => {
        this.askedTargets.push(t);
        return this.confirmTargetsAnswer;
      },
      confirmPin: async (s) => {
        this.askedPin.push(s);
        return this.confirmPinAnswer;
      },
    };
  }

  fail(method: MethodName, code: string, message = "error") {
    this.handlers[method] = () => {
      throw { code, message };
    };
  }

  run() {
    return provision(this.deps, this.ui, { identity: IDENTITY, address: DUPONT.email });
  }
}

let env: Env;
beforeEach(() => {
  env = new Env();
});

describe("pure helpers", () => {
  it("prefers personal mailboxes and preselects only when one is clear", () => {
    const per = entry({ email: "a@x.mssante.fr" });
    const org = entry({ email: "o@x.mssante.fr", type: "ORG" });
    expect(orderCandidates([org, per])).toEqual({ candidates: [per, org], preselected: "a@x.mssante.fr" });
    expect(orderCandidates([per, entry({ email: "b@x.mssante.fr" })]).preselected).toBeNull();
    expect(orderCandidates([org]).preselected).toBe("o@x.mssante.fr");
    expect(orderCandidates([]).preselected).toBeNull();
  });

  it("chooses the certificate front, lowest priority first", () => {
    const { imap, smtp } = chooseTargets([...TARGETS, target("imap", "backup.medecin.mssante.fr", 143, "certificate", 30)]);
    expect(imap?.host).toBe("cert.medecin.mssante.fr");
    expect(smtp?.port).toBe(587);
    expect(chooseTargets(TARGETS.filter((t) => t.front === "psc")).imap).toBeNull();
  });

  it("names the identity from the card", () => {
    expect(realNameFromCard(IDENTITY)).toBe("Jean Dupont");
    expect(realNameFromCard({ ...IDENTITY, givenName: "JEAN-MARIE", surname: "LE GOFF" })).toBe("Jean-Marie Le Goff");
    expect(realNameFromCard({ ...IDENTITY, givenName: null, surname: null, structure: "CHU TEST" })).toBe("CHU TEST");
  });
});

describe("prepare", () => {
  it("reads the card and preselects the doctor's only mailbox", async () => {
    const r = await prepare(env.deps, env.ui);
    expect(r).toMatchObject({ ok: true, prepared: { preselected: DUPONT.email, directoryUnavailable: false, pin: { state: "ok" } } });
    expect(env.calls).toEqual(["card.getState", "card.getPinStatus", "card.getIdentity", "directory.lookupByIdNat"]);
  });

  it.each([
    ["down", "bridge-down"],
    ["connecting", "bridge-down"],
    ["unpaired", "bridge-unpaired"],
    ["not-the-bridge", "not-the-bridge"],
    ["incompatible", "bridge-incompatible"],
  ] as const)("stops when the bridge is %s (%s) before asking it anything", async (state, code) => {
    env.bridge = state;
    expect(await prepare(env.deps, env.ui)).toEqual({ ok: false, failure: { step: "bridge", code } });
    expect(env.calls).toEqual([]);
  });

  it.each([
    [{ ...CARD_OK, pcscAvailable: false }, "pcsc-unavailable"],
    [{ ...CARD_OK, readers: [], unavailable: { reason: "no-reader", message: "" } }, "no-reader"],
    [{ ...CARD_OK, readers: [{ ...READER, cardPresent: false }], unavailable: { reason: "no-card", message: "" } }, "no-card"],
    [{ ...CARD_OK, unavailable: { reason: "unknown-card", message: "" } }, "unknown-card"],
    [{ ...CARD_OK, unavailable: { reason: "module-unavailable", message: "" } }, "module-unavailable"],
    [{ ...CARD_OK, readers: [{ ...READER, cardPresent: false }] }, "no-card"],
  ])("explains an unusable card (case %#)", async (card, code) => {
    env.handlers["card.getState"] = () => card;
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "card", code } });
  });

  it("stops on a locked PIN before anything else", async () => {
    env.pinSequence = ["locked"];
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "pin", code: "pin-locked" } });
    expect(env.calls).not.toContain("card.getIdentity");
  });

  it("shows a low PIN count or final try as a warning at once, before any logon", async () => {
    env.pinSequence = ["final-try"];
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: true, prepared: { pin: { state: "final-try" } } });
    expect(env.progress).toContainEqual(["pin", "warning"]);
    expect(env.fake.mssAccounts.calls).toEqual([]);
  });

  it("reports an unreadable identity, and a card pulled meanwhile as no card", async () => {
    env.fail("card.getIdentity", "CERTIFICATE_NOT_FOUND");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "identity", code: "identity-unreadable" } });
    env.fail("card.getIdentity", "CARD_REMOVED");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { code: "no-card" } });
  });

  it("lets the user choose among several mailboxes, or type one when none or no directory", async () => {
    env.handlers["directory.lookupByIdNat"] = () => ({ entries: [DUPONT, entry({ email: "j.dupont@chu-lyon.mssante.fr", idNat: IDENTITY.idNat })] });
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: true, prepared: { preselected: null, candidates: [{}, {}] } });
    env.handlers["directory.lookupByIdNat"] = () => ({ entries: [] });
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: true, prepared: { preselected: null, candidates: [] } });
    env.fail("directory.lookupByIdNat", "DIRECTORY_UNAVAILABLE");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: true, prepared: { directoryUnavailable: true, candidates: [] } });
    env.fail("directory.lookupByIdNat", "CONNECTION_CLOSED");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { code: "bridge-down" } });
  });
});

describe("provision", () => {
  it("creates the account on the certificate front, remembers the card for those hosts, and verifies the logon", async () => {
    const r = await env.run();
    expect(r).toMatchObject({ ok: true, result: { action: "created", address: DUPONT.email, realName: "Jean Dupont", imap: { host: "cert.medecin.mssante.fr" } } });
    const acc = env.fake.mssAccounts.accounts[0]!;
    expect(acc.req).toEqual({
      email: DUPONT.email,
      realName: "Jean Dupont",
      imap: { host: "cert.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7 },
      smtp: { host: "cert.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
    });
    expect(env.fake.mssAccounts.remembered).toEqual([{ hosts: ["cert.medecin.mssante.fr"], certificateSha256: FPR }]);
    expect(env.fake.mssAccounts.trustedCAs).toEqual([CA_PEM]);
    expect(env.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(true);
    expect(env.recorded).toMatchObject([{ accountId: "account1", email: DUPONT.email, imapHost: "cert.medecin.mssante.fr" }]);
    // The PIN state is read before the logon that makes NSS ask for it.
    const order = env.fake.mssAccounts.calls;
    expect(order.indexOf("verifyLogon")).toBeGreaterThan(order.indexOf("rememberClientCertificate"));
    expect(env.calls.lastIndexOf("card.getPinStatus")).toBeGreaterThan(env.calls.indexOf("discovery.discover"));
  });

  it("is idempotent: a second run creates nothing new", async () => {
    await env.run();
    const again = await env.run();
    expect(again).toMatchObject({ ok: true, result: { action: "unchanged", accountId: "account1" } });
    expect(env.fake.mssAccounts.accounts).toHaveLength(1);
  });

  it("installs the pkcs11 manifest through the bridge when missing, then the module", async () => {
    env.fake.pkcs11Manifests.delete(PKCS11_MANIFEST_NAME);
    env.handlers["card.getModuleInfo"] = () => ({ manifestName: PKCS11_MANIFEST_NAME, manifestInstalled: false, moduleAvailable: true, moduleDescription: "x" });
    env.handlers["card.installModuleManifest"] = () => {
      env.fake.pkcs11Manifests.set(PKCS11_MANIFEST_NAME, { allowed: [ADDON_ID], loadable: true, slots: [] });
      return { ok: true };
    };
    const r = await env.run();
    expect(env.calls).toContain("card.installModuleManifest");
    expect(r).toMatchObject({ ok: true, result: { warnings: ["module-no-token"] } });
  });

  it("goes on when the bridge cannot write the manifest but Thunderbird already has one", async () => {
    env.handlers["card.getModuleInfo"] = () => ({ manifestName: PKCS11_MANIFEST_NAME, manifestInstalled: false, moduleAvailable: true, moduleDescription: "x" });
    env.fail("card.installModuleManifest", "INSTALL_FAILED");
    expect(await env.run()).toMatchObject({ ok: true });
  });

  it("asks before using unconfirmed servers, and stops when refused", async () => {
    env.handlers["discovery.discover"] = () => ({ targets: [target("imap", "mail.elsewhere.example", 143, "certificate", 20, false), target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20)] });
    env.confirmTargetsAnswer = false;
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "discovery", code: "targets-refused" } });
    expect(env.askedTargets[0]!.map((t) => t.host)).toEqual(["mail.elsewhere.example"]);
    expect(env.fake.mssAccounts.accounts).toHaveLength(0);
    env.confirmTargetsAnswer = true;
    expect(await env.run()).toMatchObject({ ok: true });
  });

  type Case = [string, (e: Env) => void, string, string];
  const cases: Case[] = [
    ["an invalid address", (e) => (e.run = () => provision(e.deps, e.ui, { identity: IDENTITY, address: "not-an-address" })), "trust", "invalid-address"],
    ["the bridge gone", (e) => (e.bridge = "down"), "bridge", "bridge-down"],
    ["a domain outside the trust space", (e) => (e.handlers["trust.check"] = (p) => ({ address: p.address, domain: "x", verdict: "untrusted", listDate: null })), "trust", "not-in-trust-space"],
    ["no trust list", (e) => (e.handlers["trust.check"] = (p) => ({ address: p.address, domain: "x", verdict: "unknown", listDate: null })), "trust", "trust-unknown"],
    ["a trust check error", (e) => e.fail("trust.check", "TRUST_LIST_UNAVAILABLE"), "trust", "trust-unknown"],
    ["discovery failing", (e) => e.fail("discovery.discover", "DISCOVERY_FAILED"), "discovery", "discovery-failed"],
    ["no certificate front", (e) => (e.handlers["discovery.discover"] = () => ({ targets: TARGETS.filter((t) => t.front === "psc") })), "discovery", "no-certificate-front"],
    ["Cryptolib CPS missing", (e) => (e.handlers["card.getModuleInfo"] = () => ({ manifestName: "m", manifestInstalled: false, moduleAvailable: false, moduleDescription: "Cryptolib CPS" })), "module", "module-missing"],
    [
      "the manifest not written, and none for Thunderbird",
      (e) => {
        e.handlers["card.getModuleInfo"] = () => ({ manifestName: "m", manifestInstalled: false, moduleAvailable: true, moduleDescription: "x" });
        e.fail("card.installModuleManifest", "INSTALL_FAILED");
        e.fake.pkcs11Manifests.delete(PKCS11_MANIFEST_NAME);
      },
      "module",
      "module-manifest-failed",
    ],
    ["no pkcs11 manifest for Thunderbird", (e) => e.fake.pkcs11Manifests.delete(PKCS11_MANIFEST_NAME), "module", "module-load-failed"],
    ["a module Thunderbird cannot load", (e) => (e.fake.pkcs11Manifests.get(PKCS11_MANIFEST_NAME)!.loadable = false), "module", "module-load-failed"],
    ["a CA refused", (e) => (e.cas = [{ name: "bad", pem: "garbage" }]), "ca", "ca-trust-failed"],
    ["account creation failing", (e) => (e.fake.mssAccounts.failCreate = { code: "account-failed", message: "boom" }), "account", "account-failed"],
    ["an existing non-IMAP account", (e) => (e.fake.mssAccounts.failCreate = { code: "existing-not-imap", message: "pop3" }), "account", "existing-not-imap"],
    ["the card's certificate invisible to NSS", (e) => e.fake.mssAccounts.visibleCerts.clear(), "certificate", "client-cert-not-found"],
    ["a PIN locked meanwhile", (e) => (e.pinSequence = ["locked"]), "pin", "pin-locked"],
    ["a PIN to be changed", (e) => (e.pinSequence = ["to-be-changed"]), "pin", "pin-to-be-changed"],
    ["the user stopping at the final-try warning", (e) => ((e.pinSequence = ["final-try"]), (e.confirmPinAnswer = false)), "pin", "pin-declined"],
    ["the server refusing the card", (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "cert-refused", message: "alert" }), "logon", "logon-cert-refused"],
    ["the server unreachable", (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "server-unreachable", message: "refused" }), "logon", "logon-server-unreachable"],
    ["an untrusted server certificate", (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "server-cert-untrusted", message: "x" }), "logon", "logon-server-cert-untrusted"],
    ["the login refused", (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "NO" }), "logon", "logon-login-refused"],
    [
      "a wrong PIN (seen in the card's flags)",
      (e) => {
        e.pinSequence = ["ok", "count-low"]; // before the logon, then after it
        e.fake.mssAccounts.verifyResult = { ok: false, code: "cert-refused", message: "no cert sent" };
      },
      "logon",
      "logon-pin-wrong",
    ],
    [
      "the PIN blocked by the attempt",
      (e) => {
        e.pinSequence = ["final-try", "locked"];
        e.fake.mssAccounts.verifyResult = { ok: false, code: "cert-refused", message: "no cert sent" };
      },
      "logon",
      "logon-pin-locked",
    ],
  ];

  it.each(cases)("fails precisely on %s", async (_name, arrange, step, code) => {
    arrange(env);
    const r = await env.run();
    expect(r).toMatchObject({ ok: false, failure: { step, code } });
    expect(env.progress.at(-1)).toEqual([step, "failed"]);
  });

  it("names a card not issued by IGC-Santé as the cause when the server refuses it", async () => {
    env.fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "NO" };
    const foreign = { ...IDENTITY, issuer: "FOREIGN TEST CA (NOT IGC-SANTE)" };
    const r = await provision(env.deps, env.ui, { identity: foreign, address: DUPONT.email });
    expect(r).toMatchObject({ ok: false, failure: { step: "logon", code: "logon-cert-not-igc-sante" } });
    // An unreachable server stays unreachable, whoever issued the card.
    env.fake.mssAccounts.verifyResult = { ok: false, code: "server-unreachable", message: "refused" };
    const r2 = await provision(env.deps, env.ui, { identity: foreign, address: DUPONT.email });
    expect(r2).toMatchObject({ ok: false, failure: { code: "logon-server-unreachable" } });
    // Packaged without any CA: nothing can be said about the issuer.
    env.cas = [];
    env.fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "NO" };
    const r3 = await provision(env.deps, env.ui, { identity: foreign, address: DUPONT.email });
    expect(r3).toMatchObject({ ok: false, failure: { code: "logon-login-refused" } });
  });

  it("warns on a low PIN count and goes on when the user agrees", async () => {
    env.pinSequence = ["count-low"];
    expect(await env.run()).toMatchObject({ ok: true });
    expect(env.askedPin).toEqual(["count-low"]);
  });

  it("never attempts a logon when the PIN is locked or the user stops", async () => {
    env.pinSequence = ["final-try"];
    env.confirmPinAnswer = false;
    await env.run();
    expect(env.fake.mssAccounts.calls).not.toContain("verifyLogon");
  });
});

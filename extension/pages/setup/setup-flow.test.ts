import { beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BRIDGE_CALL_TIMEOUT_MS, CARD_CALL_TIMEOUT_MS, PKCS11_MANIFEST_NAME, ADDON_ID } from "../../../shared/constants.ts";
import { DEFAULT_LIMITS } from "../../../bridge/server/context.ts";
import { CARD_BACKSTOP_MS } from "../../../bridge/server/router.ts";
import { defaultConfig, type OperatorPolicy } from "../../../bridge/config/config.ts";
import { cardLogin } from "../../../bridge/trust/discover.ts";
import { messageName } from "../common/i18n.ts";
import type { MethodName, Params, Result } from "../../../shared/protocol/schemas.ts";
import type { BridgeState } from "../../background/bridge-client.ts";
import type { ExistingAccount } from "../../experiments/mssAccounts/src/api.ts";
import type { ProvisionedAccount } from "../../background/card-watch.ts";
import type { CardIdentityMessage } from "../../../shared/domain/identity.ts";
import type { ServerTarget } from "../../../shared/domain/trust.ts";
import { DUPONT, entry } from "../../test-support/entries.ts";
import { DUPONT_IDENTITY, TEST_CA_NAME } from "../../../test/fixtures/identity.ts";
import { createFakeMessenger, type FakeControls } from "../../test-support/fake-messenger.ts";
import {
  bridgeCallTimeout,
  callFailure,
  CHANGE_FIELDS,
  checksHeldAfter,
  describeChange,
  fallbackLoginName,
  loginNameFor,
  loginNameKind,
  orderCandidates,
  prepare,
  provision,
  provisionSafely,
  recordThroughBackground,
  type SetupDeps,
  type SetupUi,
  type StepId,
  type StepState,
} from "./setup-flow.ts";

const IDENTITY: CardIdentityMessage = DUPONT_IDENTITY;
const FPR = IDENTITY.certificateSha256;
const READER = {
  name: "Virtual PCD 00 00",
  cardPresent: true,
  atr: "3B",
  model: { id: "cps3", name: "CPS3", family: "CPS3" as const, interface: "contact" as const, rsaPss: false },
  unknownCard: false,
};
const CARD_OK = { pcscAvailable: true, readers: [READER], boundReader: READER.name, unavailable: null };
const target = (
  service: ServerTarget["service"],
  host: string,
  port: number,
  front: ServerTarget["front"],
  priority: number,
  confirmed = true,
): ServerTarget => ({ service, host, port, priority, weight: 0, front, source: "srv", confirmed });
const TARGETS: ServerTarget[] = [
  target("imap", "psc.medecin.mssante.fr", 143, "psc", 10),
  target("imap", "cert.medecin.mssante.fr", 143, "certificate", 20),
  target("submission", "psc.medecin.mssante.fr", 587, "psc", 10),
  target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20),
];
/** The bridge's answer, its card login chosen by the bridge's own code with its (default) policies. */
const discovered = (targets: ServerTarget[], policies: OperatorPolicy[] = defaultConfig().discovery.policies) => ({
  targets,
  cardLogin: cardLogin(targets, policies, "medecin.mssante.fr"),
});
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

type Handler = (params: any) => unknown;
class Env {
  bridge: BridgeState["kind"] = "connected";
  handlers: Partial<Record<MethodName, Handler>> = {};
  calls: MethodName[] = [];
  progress: [StepId, StepState][] = [];
  confirmTargetsAnswer = true;
  confirmPinAnswer = true;
  confirmRepairAnswer = true;
  askedPin: string[] = [];
  askedRepair: ExistingAccount[] = [];
  /** What the Experiment had been asked when the PIN question came (nothing may be changed by then). */
  accountCallsAtPinQuestion: string[] | null = null;
  askedTargets: ServerTarget[][] = [];
  recorded: ProvisionedAccount[] = [];
  cas: { name: string; pem: string; subjectCN?: string }[] = [{ name: "test-ca.pem", pem: CA_PEM, subjectCN: TEST_CA_NAME }];
  fake: FakeControls;
  deps: SetupDeps;
  ui: SetupUi;
  pinSequence: string[] = [];

  constructor() {
    const { messenger, fake } = createFakeMessenger();
    this.fake = fake;
    fake.pkcs11Manifests.set(PKCS11_MANIFEST_NAME, {
      allowed: [ADDON_ID],
      loadable: true,
      slots: [{ name: "Virtual PCD", token: { name: "CPS-TEST" } }],
    });
    fake.mssAccounts.visibleCerts.add(FPR);
    this.handlers = {
      "card.getState": () => CARD_OK,
      "card.getPinStatus": () => ({
        state: this.pinSequence.length > 1 ? this.pinSequence.shift()! : (this.pinSequence[0] ?? "ok"),
        pinPad: false,
      }),
      "card.getIdentity": () => IDENTITY,
      "directory.lookupByIdNat": () => ({ entries: [DUPONT] }),
      "trust.check": (p) => ({ address: p.address, domain: p.address.split("@")[1], verdict: "trusted", listDate: "2026-11-20" }),
      "discovery.discover": () => discovered(TARGETS),
      "card.getModuleInfo": () => ({
        manifestName: PKCS11_MANIFEST_NAME,
        manifestInstalled: true,
        moduleAvailable: true,
        moduleDescription: "Cryptolib CPS",
      }),
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
        this.accountCallsAtPinQuestion = [...this.fake.mssAccounts.calls];
        return this.confirmPinAnswer;
      },
      confirmRepair: async (existing) => {
        this.askedRepair.push(structuredClone(existing));
        return this.confirmRepairAnswer;
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

  it("says several cards are inserted (SEVERAL_CARDS), and what to do, wherever the bridge reports it", async () => {
    expect(callFailure({ code: "SEVERAL_CARDS", message: "2 cards are seen" })).toBe("several-cards");
    env.fail("card.getPinStatus", "SEVERAL_CARDS");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "card", code: "several-cards" } });
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "pin", code: "several-cards" } });
    expect(env.fake.mssAccounts.calls).toEqual([]);
    env.handlers["card.getPinStatus"] = () => ({ state: "ok", pinPad: false });
    env.fail("card.getIdentity", "SEVERAL_CARDS");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "identity", code: "several-cards" } });
    for (const [lang, remove, reader] of [
      ["fr", /Retirez l'autre carte/, /--reader NOM/],
      ["en", /Remove the other card/, /--reader NAME/],
    ] as const) {
      const msgs = JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), "utf8")) as Record<
        string,
        { message: string }
      >;
      expect(msgs.failure_several_cards!.message, lang).toBeTruthy();
      expect(msgs.todo_several_cards!.message, lang).toMatch(remove);
      expect(msgs.todo_several_cards!.message, lang).toMatch(reader);
    }
  });

  it("lets the user choose among several mailboxes, or type one when none or no directory", async () => {
    env.handlers["directory.lookupByIdNat"] = () => ({
      entries: [DUPONT, entry({ email: "j.dupont@chu-lyon.mssante.fr", idNat: IDENTITY.idNat })],
    });
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
    expect(r).toMatchObject({
      ok: true,
      result: { action: "created", address: DUPONT.email, realName: "Dr_Jean_DUPONT", imap: { host: "cert.medecin.mssante.fr" } },
    });
    const acc = env.fake.mssAccounts.accounts[0]!;
    expect(acc.req).toEqual({
      email: DUPONT.email,
      realName: "Dr_Jean_DUPONT", // ECO.2.2.7: <Titre>_<Prénom>_<NOM>, no structure on a personal card
      imap: { host: "cert.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7, username: DUPONT.email },
      smtp: { host: "cert.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
    });
    expect(env.fake.mssAccounts.remembered).toEqual([{ hosts: ["cert.medecin.mssante.fr"], certificateSha256: FPR }]);
    expect(env.fake.mssAccounts.trustedCAs).toEqual([CA_PEM]);
    expect(env.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(true);
    expect(env.recorded).toMatchObject([{ accountId: "account1", email: DUPONT.email, imapHost: "cert.medecin.mssante.fr" }]);
    // The PIN state is read before anything changes in Thunderbird, and before the logon that
    // makes NSS ask for it.
    const order = env.fake.mssAccounts.calls;
    expect(order.indexOf("verifyLogon")).toBeGreaterThan(order.indexOf("rememberClientCertificate"));
    expect(env.calls.lastIndexOf("card.getPinStatus")).toBeGreaterThan(env.calls.indexOf("discovery.discover"));
    expect(env.calls.indexOf("card.getPinStatus")).toBeLessThan(env.calls.indexOf("card.getModuleInfo"));
    // Checks held from the account's creation until the logon worked, then released.
    expect(order.filter((c) => c === "holdChecks")).toHaveLength(2);
    expect(order.indexOf("holdChecks")).toBeLessThan(order.indexOf("rememberClientCertificate"));
    expect(order.lastIndexOf("holdChecks")).toBeGreaterThan(order.indexOf("verifyLogon"));
    expect(acc.held).toBe(false);
  });

  it("is idempotent: a second run creates nothing new", async () => {
    await env.run();
    const again = await env.run();
    expect(again).toMatchObject({ ok: true, result: { action: "unchanged", accountId: "account1" } });
    expect(env.fake.mssAccounts.accounts).toHaveLength(1);
    // Already configured: said so, nothing asked.
    expect(env.askedRepair).toEqual([]);
  });

  it("installs the pkcs11 manifest through the bridge when missing, then the module", async () => {
    env.fake.pkcs11Manifests.delete(PKCS11_MANIFEST_NAME);
    env.handlers["card.getModuleInfo"] = () => ({
      manifestName: PKCS11_MANIFEST_NAME,
      manifestInstalled: false,
      moduleAvailable: true,
      moduleDescription: "x",
    });
    env.handlers["card.installModuleManifest"] = () => {
      env.fake.pkcs11Manifests.set(PKCS11_MANIFEST_NAME, { allowed: [ADDON_ID], loadable: true, slots: [] });
      return { ok: true };
    };
    const r = await env.run();
    expect(env.calls).toContain("card.installModuleManifest");
    expect(r).toMatchObject({ ok: true, result: { warnings: ["module-no-token"] } });
  });

  it("goes on when the bridge cannot write the manifest but Thunderbird already has one", async () => {
    env.handlers["card.getModuleInfo"] = () => ({
      manifestName: PKCS11_MANIFEST_NAME,
      manifestInstalled: false,
      moduleAvailable: true,
      moduleDescription: "x",
    });
    env.fail("card.installModuleManifest", "INSTALL_FAILED");
    expect(await env.run()).toMatchObject({ ok: true });
  });

  describe("the card's library already loaded in Thunderbird under another name", () => {
    const infos = (e: Env) => {
      const seen: [StepId, StepState, Record<string, string> | undefined][] = [];
      e.ui = { ...e.ui, progress: (s, st, info) => seen.push([s, st, info]) };
      return seen;
    };

    it("says so instead of 'done', uses that module and does not load the library a second time", async () => {
      // An administrator's "CPS" (policies, modutil) on the same file, another path to it.
      env.fake.mssAccounts.otherCardModules = [{ name: "CPS", libName: "/usr/lib/libcps3_pkcs11_lux.so", tokenPresent: true }];
      const seen = infos(env);
      expect(await env.run()).toMatchObject({ ok: true, result: { warnings: [] } });
      expect(env.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(false);
      expect(seen.filter(([s]) => s === "module").at(-1)).toEqual(["module", "done", { existingModule: "CPS" }]);
      // The rest of the setup went on with it: the card's certificate remembered, the logon verified.
      expect(env.fake.mssAccounts.calls).toEqual(expect.arrayContaining(["rememberClientCertificate", "verifyLogon"]));
      // Said in both languages, with the module's name.
      for (const lang of ["fr", "en"]) {
        const msgs = JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), "utf8")) as Record<
          string,
          { message: string }
        >;
        expect(msgs.stepModuleAlreadyLoaded?.message, lang).toContain("$1");
      }
    });

    it("warns when that module sees no card", async () => {
      env.fake.mssAccounts.otherCardModules = [{ name: "CPS", libName: "/usr/lib/libcps3_pkcs11_lux.so", tokenPresent: false }];
      const seen = infos(env);
      expect(await env.run()).toMatchObject({ ok: true, result: { warnings: ["module-no-token"] } });
      expect(seen.filter(([s]) => s === "module").at(-1)).toEqual(["module", "warning", { existingModule: "CPS" }]);
      expect(env.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(false);
    });

    it("says the card's library is loaded twice when this extension's module is there too (and removes neither)", async () => {
      env.fake.pkcs11Installed.add(PKCS11_MANIFEST_NAME);
      env.fake.mssAccounts.otherCardModules = [{ name: "CPS", libName: "/usr/lib/libcps3_pkcs11_lux.so", tokenPresent: true }];
      const seen = infos(env);
      expect(await env.run()).toMatchObject({ ok: true, result: { warnings: ["module-loaded-twice"] } });
      expect(seen.filter(([s]) => s === "module").at(-1)).toEqual(["module", "warning", { twiceAs: "CPS" }]);
      expect(env.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(true);
    });

    it("installs this extension's module as before when no other module uses the library, or nothing can be told", async () => {
      expect(await env.run()).toMatchObject({ ok: true, result: { warnings: [] } });
      expect(env.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(true);
      expect(env.fake.mssAccounts.calls).toContain("pkcs11ModulesOfManifest");
      const other = new Env();
      other.fake.mssAccounts.failModuleList = { code: "pkcs11-failed", message: "Thunderbird refused the operation" };
      expect(await other.run()).toMatchObject({ ok: true, result: { warnings: [] } });
      expect(other.fake.pkcs11Installed.has(PKCS11_MANIFEST_NAME)).toBe(true);
    });
  });

  it("asks before using unconfirmed servers, and stops when refused", async () => {
    env.handlers["discovery.discover"] = () =>
      discovered([
        target("imap", "mail.elsewhere.example", 143, "certificate", 20, false),
        target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20),
      ]);
    env.confirmTargetsAnswer = false;
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "discovery", code: "targets-refused" } });
    expect(env.askedTargets[0]!.map((t) => t.host)).toEqual(["mail.elsewhere.example"]);
    expect(env.fake.mssAccounts.accounts).toHaveLength(0);
    env.confirmTargetsAnswer = true;
    expect(await env.run()).toMatchObject({ ok: true });
  });

  type Case = [string, (e: Env) => void, string, string];
  const cases: Case[] = [
    [
      "an invalid address",
      (e) => (e.run = () => provision(e.deps, e.ui, { identity: IDENTITY, address: "not-an-address" })),
      "trust",
      "invalid-address",
    ],
    ["the bridge gone", (e) => (e.bridge = "down"), "bridge", "bridge-down"],
    [
      "a domain outside the trust space",
      (e) => (e.handlers["trust.check"] = (p) => ({ address: p.address, domain: "x", verdict: "untrusted", listDate: null })),
      "trust",
      "not-in-trust-space",
    ],
    [
      "no trust list",
      (e) => (e.handlers["trust.check"] = (p) => ({ address: p.address, domain: "x", verdict: "unknown", listDate: null })),
      "trust",
      "trust-unknown",
    ],
    ["a trust check error", (e) => e.fail("trust.check", "TRUST_LIST_UNAVAILABLE"), "trust", "trust-unknown"],
    ["discovery failing", (e) => e.fail("discovery.discover", "DISCOVERY_FAILED"), "discovery", "discovery-failed"],
    [
      "no certificate front",
      (e) => (e.handlers["discovery.discover"] = () => discovered(TARGETS.filter((t) => t.front === "psc"))),
      "discovery",
      "no-certificate-front",
    ],
    [
      "a bridge from before cardLogin",
      (e) => (e.handlers["discovery.discover"] = () => ({ targets: TARGETS })),
      "discovery",
      "bridge-outdated",
    ],
    [
      "Cryptolib CPS missing",
      (e) =>
        (e.handlers["card.getModuleInfo"] = () => ({
          manifestName: "m",
          manifestInstalled: false,
          moduleAvailable: false,
          moduleDescription: "Cryptolib CPS",
        })),
      "module",
      "module-missing",
    ],
    [
      "the manifest not written, and none for Thunderbird",
      (e) => {
        e.handlers["card.getModuleInfo"] = () => ({
          manifestName: "m",
          manifestInstalled: false,
          moduleAvailable: true,
          moduleDescription: "x",
        });
        e.fail("card.installModuleManifest", "INSTALL_FAILED");
        e.fake.pkcs11Manifests.delete(PKCS11_MANIFEST_NAME);
      },
      "module",
      "module-manifest-failed",
    ],
    ["no pkcs11 manifest for Thunderbird", (e) => e.fake.pkcs11Manifests.delete(PKCS11_MANIFEST_NAME), "module", "module-load-failed"],
    [
      "a module Thunderbird cannot load",
      (e) => (e.fake.pkcs11Manifests.get(PKCS11_MANIFEST_NAME)!.loadable = false),
      "module",
      "module-load-failed",
    ],
    ["a CA refused", (e) => (e.cas = [{ name: "bad", pem: "garbage" }]), "ca", "ca-trust-failed"],
    [
      "a CA the add-on does not ship",
      (e) => {
        e.fake.mssAccounts.trustServerCA = async () => ({ ok: false as const, code: "ca-not-allowed", message: "not shipped" });
      },
      "ca",
      "ca-not-allowed",
    ],
    [
      "account creation failing",
      (e) => (e.fake.mssAccounts.failCreate = { code: "account-failed", message: "boom" }),
      "account",
      "account-failed",
    ],
    [
      "an existing non-IMAP account",
      (e) => (e.fake.mssAccounts.failCreate = { code: "existing-not-imap", message: "pop3" }),
      "account",
      "existing-not-imap",
    ],
    [
      "a plaintext connection refused",
      (e) => (e.fake.mssAccounts.failCreate = { code: "plaintext-refused", message: "the IMAP server must use STARTTLS" }),
      "account",
      "plaintext-refused",
    ],
    ["the card's certificate invisible to NSS", (e) => e.fake.mssAccounts.visibleCerts.clear(), "certificate", "client-cert-not-found"],
    ["a PIN locked meanwhile", (e) => (e.pinSequence = ["locked"]), "pin", "pin-locked"],
    ["a PIN to be changed", (e) => (e.pinSequence = ["to-be-changed"]), "pin", "pin-to-be-changed"],
    [
      "the user stopping at the final-try warning",
      (e) => {
        e.pinSequence = ["final-try"];
        e.confirmPinAnswer = false;
      },
      "pin",
      "pin-declined",
    ],
    [
      "the server refusing the card",
      (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "cert-refused", message: "alert" }),
      "logon",
      "logon-cert-refused",
    ],
    [
      "the server unreachable",
      (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "server-unreachable", message: "refused" }),
      "logon",
      "logon-server-unreachable",
    ],
    [
      "an untrusted server certificate",
      (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "server-cert-untrusted", message: "x" }),
      "logon",
      "logon-server-cert-untrusted",
    ],
    [
      "a revoked server certificate",
      (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "server-cert-revoked", message: "SEC_ERROR_REVOKED_CERTIFICATE" }),
      "logon",
      "logon-server-cert-revoked",
    ],
    [
      "the login refused",
      (e) => (e.fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "NO" }),
      "logon",
      "logon-login-refused",
    ],
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
    // Packaged without any CA: IGC-Santé's card issuers are still known by name.
    env.cas = [];
    env.fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "NO" };
    const r3 = await provision(env.deps, env.ui, { identity: foreign, address: DUPONT.email });
    expect(r3).toMatchObject({ ok: false, failure: { code: "logon-cert-not-igc-sante" } });
  });

  it("takes a genuine CPS card (AC IGC-SANTE FORT PERSONNES, no server CA) as IGC-Santé's: the refusal is the server's", async () => {
    env.fake.mssAccounts.verifyResult = { ok: false, code: "login-refused", message: "NO" };
    // The shipped server CAs only: the card's issuer is none of them, and never trusted for TLS.
    env.cas = [
      { name: "ac-racine-igc-sante-elementaire.pem", pem: CA_PEM, subjectCN: "AC RACINE IGC-SANTE ELEMENTAIRE" },
      { name: "ac-igc-sante-elementaire-organisations.pem", pem: CA_PEM, subjectCN: "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" },
    ];
    const cps = { ...IDENTITY, issuer: "AC IGC-SANTE FORT PERSONNES" };
    const r = await provision(env.deps, env.ui, { identity: cps, address: DUPONT.email });
    expect(r).toMatchObject({ ok: false, failure: { step: "logon", code: "logon-login-refused" } });
    // Only the two server CAs were trusted for TLS.
    expect(env.fake.mssAccounts.calls.filter((c) => c === "trustServerCA")).toHaveLength(2);
  });

  it("warns on a low PIN count and goes on when the user agrees", async () => {
    env.pinSequence = ["count-low"];
    expect(await env.run()).toMatchObject({ ok: true });
    expect(env.askedPin).toEqual(["count-low"]);
  });

  it("never attempts a logon when the PIN is locked or the user stops (the older test, kept)", async () => {
    env.pinSequence = ["final-try"];
    env.confirmPinAnswer = false;
    await env.run();
    expect(env.fake.mssAccounts.calls).not.toContain("verifyLogon");
  });
});

describe("the card login comes from the bridge's operator policies (one source, issue #3/#4)", () => {
  it("configures the servers and auth methods the bridge chose, whatever the front", async () => {
    // The bridge's configuration says this operator's card login uses the PSC front, SMTP auth 1.
    env.handlers["discovery.discover"] = () => discovered(TARGETS, [{ domain: "medecin.mssante.fr", cardFront: "psc", smtpAuthMethod: 1 }]);
    expect(await env.run()).toMatchObject({
      ok: true,
      result: { imap: { host: "psc.medecin.mssante.fr" }, smtp: { host: "psc.medecin.mssante.fr" } },
    });
    expect(env.fake.mssAccounts.accounts[0]!.req).toMatchObject({
      imap: { host: "psc.medecin.mssante.fr", port: 143, authMethod: 7 },
      smtp: { host: "psc.medecin.mssante.fr", port: 587, authMethod: 1 },
    });
    expect(env.fake.mssAccounts.remembered).toEqual([{ hosts: ["psc.medecin.mssante.fr"], certificateSha256: FPR }]);
  });

  it("uses the bridge's pick, confirmed before heavier unconfirmed, and asks nothing then", async () => {
    const targets = [
      { ...target("submission", "smtp.elsewhere.example", 587, "certificate", 20, false), weight: 90 },
      target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20),
      target("imap", "cert.medecin.mssante.fr", 143, "certificate", 20),
    ];
    env.handlers["discovery.discover"] = () => discovered(targets);
    expect(await env.run()).toMatchObject({ ok: true, result: { smtp: { host: "cert.medecin.mssante.fr" } } });
    expect(env.askedTargets).toEqual([]);
  });

  it("configures only what cardLogin says, not the rest of the targets", async () => {
    env.handlers["discovery.discover"] = () => ({
      targets: TARGETS,
      cardLogin: {
        front: "certificate",
        imap: target("imap", "chosen.medecin.mssante.fr", 993, "certificate", 20),
        submission: target("submission", "chosen.medecin.mssante.fr", 465, "certificate", 20),
        imapAuthMethod: 7,
        smtpAuthMethod: 7,
      },
    });
    expect(await env.run()).toMatchObject({ ok: true });
    expect(env.fake.mssAccounts.accounts[0]!.req).toMatchObject({
      imap: { host: "chosen.medecin.mssante.fr", port: 993, socketType: 3 },
      smtp: { port: 465, socketType: 3 },
    });
  });

  it("with a bridge that sends no cardLogin, stops before anything changes and asks for the bridge to be updated", async () => {
    env.handlers["discovery.discover"] = () => ({ targets: TARGETS });
    expect(await env.run()).toEqual({
      ok: false,
      failure: { step: "discovery", code: "bridge-outdated", detail: expect.stringContaining("cardLogin") },
    });
    expect(env.fake.mssAccounts.calls).toEqual([]);
    expect(env.calls).not.toContain("card.getModuleInfo");
    for (const lang of ["fr", "en"]) {
      const msgs = JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), "utf8")) as Record<
        string,
        { message: string }
      >;
      expect(msgs.todo_bridge_outdated!.message, lang).toMatch(/mettez à jour le pont|update the MSSanté bridge/i);
    }
  });
});

describe("the IMAP user name: the operator policy's, and the other one once when the server refuses it", () => {
  const ID = IDENTITY.idNat;
  const withLoginName = (cardLoginName: "address" | "idNat") => () =>
    discovered(TARGETS, [{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, cardLoginName }]);
  const steps = () => env.progress.filter(([s]) => s === "logon").map(([, st]) => st);

  it("pure helpers: the policy's name, its kind, and the one other name tried", () => {
    expect(loginNameFor("address", DUPONT.email, ID)).toBe(DUPONT.email);
    expect(loginNameFor("idNat", DUPONT.email, ID)).toBe(ID);
    expect(loginNameKind(DUPONT.email.toUpperCase(), DUPONT.email, ID)).toBe("address");
    expect(loginNameKind(ID, DUPONT.email, ID)).toBe("idNat");
    expect(loginNameKind("jdupont", DUPONT.email, ID)).toBe("other");
    expect(fallbackLoginName(DUPONT.email, DUPONT.email, ID)).toBe(ID);
    expect(fallbackLoginName(ID, DUPONT.email, ID)).toBe(DUPONT.email);
    expect(fallbackLoginName("jdupont", DUPONT.email, ID)).toBe(ID);
  });

  it("logs in with the address by default, and with a bridge from before the field", async () => {
    expect(await env.run()).toMatchObject({ ok: true, result: { login: { value: DUPONT.email, kind: "address", fallback: false } } });
    expect(env.fake.mssAccounts.accounts[0]!.username).toBe(DUPONT.email);

    const older = new Env();
    const { loginName: _dropped, ...cardLogin } = discovered(TARGETS).cardLogin;
    older.handlers["discovery.discover"] = () => ({ targets: TARGETS, cardLogin });
    expect(await older.run()).toMatchObject({ ok: true, result: { login: { kind: "address" } } });
    expect(older.fake.mssAccounts.accounts[0]!.username).toBe(DUPONT.email);
  });

  it("logs in with the card's idNat when the policy says so", async () => {
    env.handlers["discovery.discover"] = withLoginName("idNat");
    expect(await env.run()).toMatchObject({ ok: true, result: { login: { value: ID, kind: "idNat", fallback: false } } });
    expect(env.fake.mssAccounts.accounts[0]!.req.imap.username).toBe(ID);
    expect(env.fake.mssAccounts.loggedInAs).toEqual([ID]);
  });

  it("a server that refuses the address (a standard Dovecot): tries the idNat once, keeps it, releases the checks", async () => {
    env.fake.mssAccounts.refusedUsernames.add(DUPONT.email);
    const r = await env.run();
    expect(r).toMatchObject({ ok: true, result: { action: "created", login: { value: ID, kind: "idNat", fallback: true } } });
    expect(env.fake.mssAccounts.loggedInAs).toEqual([DUPONT.email, ID]);
    expect(env.fake.mssAccounts.accounts[0]).toMatchObject({ username: ID, held: false });
    expect(env.fake.mssAccounts.calls.filter((c) => c === "setImapUsername")).toHaveLength(1);
    expect(steps()).toEqual(["running", "running", "done"]);
    expect(env.askedRepair).toEqual([]);
  });

  it("is idempotent after the fallback: a second run keeps the name that works and changes nothing", async () => {
    env.fake.mssAccounts.refusedUsernames.add(DUPONT.email);
    await env.run();
    const calls = env.fake.mssAccounts.calls.length;
    const again = await env.run();
    expect(again).toMatchObject({ ok: true, result: { action: "unchanged", login: { value: ID, kind: "idNat", fallback: false } } });
    expect(env.fake.mssAccounts.calls.slice(calls)).not.toContain("setImapUsername");
    expect(env.fake.mssAccounts.loggedInAs).toEqual([DUPONT.email, ID, ID]);
    expect(env.askedRepair).toEqual([]);
  });

  it("the other way round: the policy's idNat refused, the address works", async () => {
    env.handlers["discovery.discover"] = withLoginName("idNat");
    env.fake.mssAccounts.refusedUsernames.add(ID);
    expect(await env.run()).toMatchObject({ ok: true, result: { login: { value: DUPONT.email, kind: "address", fallback: true } } });
  });

  it("both refused: the first name is put back, the refusal reported with both tries, the checks held", async () => {
    env.fake.mssAccounts.refusedUsernames.add(DUPONT.email).add(ID);
    const r = await env.run();
    expect(r).toMatchObject({ ok: false, failure: { step: "logon", code: "logon-login-refused" } });
    expect(!r.ok && r.failure.detail).toMatch(/login-refused: .*; with idNat as user name: login-refused/);
    expect(env.fake.mssAccounts.loggedInAs).toEqual([DUPONT.email, ID]);
    expect(env.fake.mssAccounts.accounts[0]).toMatchObject({ username: DUPONT.email, held: true });
  });

  it("tries no other name when the card or the network is the problem, not the name", async () => {
    for (const [code, pins] of [
      ["cert-refused", ["ok"]],
      ["server-unreachable", ["ok"]],
      ["login-refused", ["ok", "count-low"]], // a wrong PIN shows in the card's flags
    ] as const) {
      const e = new Env();
      e.pinSequence = [...pins];
      e.fake.mssAccounts.verifyResult = { ok: false, code, message: "x" };
      const r = await e.run();
      expect(r.ok, code).toBe(false);
      expect(e.fake.mssAccounts.calls, code).not.toContain("setImapUsername");
      expect(e.fake.mssAccounts.loggedInAs, code).toHaveLength(1);
    }
  });
});

describe("the PIN state gate comes before anything changes in Thunderbird (issue #4)", () => {
  it.each([
    ["the user stopping at the final-try warning", ["final-try"], false, "pin-declined"],
    ["the user stopping at the count-low warning", ["count-low"], false, "pin-declined"],
    ["a locked PIN", ["locked"], true, "pin-locked"],
    ["a PIN to be changed", ["to-be-changed"], true, "pin-to-be-changed"],
  ] as const)("creates nothing on %s", async (_name, pins, _answer, code) => {
    env.pinSequence = [...pins];
    env.confirmPinAnswer = false;
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "pin", code } });
    // No account (so no check that would make NSS ask for the PIN), nothing recorded, no module
    // loaded into Thunderbird, no CA added.
    expect(env.fake.mssAccounts.accounts).toEqual([]);
    expect(env.fake.mssAccounts.calls).toEqual([]);
    expect(env.recorded).toEqual([]);
    expect(env.fake.pkcs11Installed.size).toBe(0);
    expect(env.calls).not.toContain("card.getModuleInfo");
  });

  it("asks at the final try before touching Thunderbird, and goes on when the user is sure", async () => {
    env.pinSequence = ["final-try"];
    expect(await env.run()).toMatchObject({ ok: true, result: { action: "created" } });
    expect(env.askedPin).toEqual(["final-try"]);
    expect(env.accountCallsAtPinQuestion).toEqual([]);
    const steps = env.progress.map(([s]) => s);
    expect(steps.indexOf("pin")).toBeLessThan(steps.indexOf("module"));
    expect(steps.lastIndexOf("pin")).toBeLessThan(steps.indexOf("account"));
  });

  it("says in both languages that declining creates nothing", () => {
    for (const lang of ["fr", "en"]) {
      const msgs = JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), "utf8")) as Record<
        string,
        { message: string }
      >;
      expect(msgs.todo_pin_declined!.message).not.toMatch(/compte est créé|account exists/i);
      expect(msgs.todo_pin_declined!.message).toMatch(/Aucun compte|No account/);
    }
  });
});

describe("the sender display name (ECO.2.2.7)", () => {
  it("names an organisation's mailbox by its service label, a personal one <Titre>_<Prénom>_<NOM>", async () => {
    const org = { ...entry({ email: DUPONT.email, type: "ORG" }), displayName: "Secrétariat de cardiologie" };
    const r = await provision(env.deps, env.ui, { identity: IDENTITY, address: DUPONT.email, mailbox: org });
    expect(r).toMatchObject({ ok: true, result: { realName: "Secrétariat de cardiologie" } });
    expect(env.fake.mssAccounts.accounts[0]!.req.realName).toBe("Secrétariat de cardiologie");
  });

  it("leaves an existing account's name as its user set it", async () => {
    env.fake.mssAccounts.accounts.push({
      accountId: "account7",
      req: {
        email: DUPONT.email,
        realName: "Jean Dupont (cabinet)",
        imap: { host: "cert.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7 },
        smtp: { host: "cert.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
      },
      username: DUPONT.email,
      paused: false,
      held: false,
    });
    const r = await env.run();
    expect(r).toMatchObject({ ok: true, result: { action: "unchanged" } });
    expect(env.fake.mssAccounts.accounts[0]!.req.realName).toBe("Jean Dupont (cabinet)");
  });
});

describe("an existing account for the address (issue #4: reported, repaired on request)", () => {
  const seed = (imap: { port: number; authMethod: number }) =>
    env.fake.mssAccounts.accounts.push({
      accountId: "account7",
      req: {
        email: DUPONT.email,
        realName: "Jean Dupont",
        imap: { host: "cert.medecin.mssante.fr", port: imap.port, socketType: 2, authMethod: imap.authMethod },
        smtp: { host: "cert.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
      },
      username: DUPONT.email,
      paused: false,
      held: false,
    });

  it("reports what would change and changes nothing when the user stops", async () => {
    seed({ port: 1143, authMethod: 3 });
    env.confirmRepairAnswer = false;
    const before = structuredClone(env.fake.mssAccounts.accounts);
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "account", code: "repair-declined" } });
    expect(env.askedRepair).toEqual([
      {
        accountId: "account7",
        matchedBy: "email",
        email: DUPONT.email,
        changes: [
          { field: "imap.port", from: 1143, to: 143 },
          { field: "imap.authMethod", from: 3, to: 7 },
        ],
      },
    ]);
    expect(env.fake.mssAccounts.accounts).toEqual(before);
    expect(env.fake.mssAccounts.calls).not.toContain("createOrRepairAccount");
    expect(env.fake.mssAccounts.calls).not.toContain("verifyLogon");
    expect(env.recorded).toEqual([]);
  });

  it("repairs exactly what the user accepted", async () => {
    seed({ port: 1143, authMethod: 3 });
    expect(await env.run()).toMatchObject({ ok: true, result: { action: "repaired", accountId: "account7" } });
    expect(env.askedRepair).toHaveLength(1);
    expect(env.fake.mssAccounts.accounts).toHaveLength(1);
    expect(env.fake.mssAccounts.accounts[0]!.req.imap).toEqual({
      host: "cert.medecin.mssante.fr",
      port: 143,
      socketType: 2,
      authMethod: 7,
      username: DUPONT.email,
    });
    // A repair leaves the IMAP user name as it was (the one that works is kept).
    expect(env.fake.mssAccounts.accounts[0]!.username).toBe(DUPONT.email);
  });

  it("says an account already right is configured, without asking", async () => {
    seed({ port: 143, authMethod: 7 });
    expect(await env.run()).toMatchObject({ ok: true, result: { action: "unchanged", accountId: "account7" } });
    expect(env.askedRepair).toEqual([]);
    expect(env.progress).toContainEqual(["account", "done"]);
  });

  it("shows each change as a line the user can read (French first)", () => {
    const { messenger } = createFakeMessenger();
    const tr = (k: string, subs?: string[]) => messenger.i18n.getMessage(messageName(k), subs) || k;
    expect(describeChange({ field: "imap.port", from: 1143, to: 143 }, tr)).toBe("Port IMAP : 1143 → 143");
    expect(describeChange({ field: "imap.authMethod", from: 3, to: 7 }, tr)).toBe(
      "Authentification IMAP : mot de passe → certificat de la carte CPS",
    );
    expect(describeChange({ field: "smtp.socketType", from: 0, to: 2 }, tr)).toBe(
      "Sécurité de la connexion SMTP : aucune (non chiffré) → STARTTLS",
    );
    expect(describeChange({ field: "identity.email", from: "secretariat@medecin.mssante.fr", to: DUPONT.email }, tr)).toBe(
      `Adresse de l'identité : secretariat@medecin.mssante.fr → ${DUPONT.email}`,
    );
    expect(describeChange({ field: "identity.fullName", from: null, to: "Jean Dupont" }, tr)).toBe("Nom affiché : (aucun) → Jean Dupont");
    expect(describeChange({ field: "smtp.created", from: null, to: "cert.medecin.mssante.fr:587" }, tr)).toBe(
      "Nouveau serveur d'envoi (SMTP) : cert.medecin.mssante.fr:587",
    );
    for (const lang of ["fr", "en"]) {
      const msgs = JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), "utf8")) as Record<
        string,
        unknown
      >;
      for (const f of CHANGE_FIELDS) expect(msgs[messageName(`change_${f}`)], `${lang} change_${f}`).toBeDefined();
    }
  });
});

describe("checks stay held until the logon with the card works", () => {
  it("leaves a new account's checks off after a failed logon, and turns them on once a later setup logs in", async () => {
    env.fake.mssAccounts.verifyResult = { ok: false, code: "server-unreachable", message: "refused" };
    const r = await env.run();
    expect(r).toMatchObject({ ok: false, failure: { step: "logon", code: "logon-server-unreachable" } });
    expect(env.fake.mssAccounts.accounts[0]).toMatchObject({ accountId: "account1", held: true });
    expect(!r.ok && checksHeldAfter(r.failure)).toBe(true);
    // The card watcher resuming after a card insertion does not release the hold.
    await env.deps.accounts.pauseChecks("account1", true);
    await env.deps.accounts.pauseChecks("account1", false);
    expect(env.fake.mssAccounts.accounts[0]!.held).toBe(true);

    env.fake.mssAccounts.verifyResult = { ok: true, verified: true };
    expect(await env.run()).toMatchObject({ ok: true, result: { action: "unchanged" } });
    expect(env.fake.mssAccounts.accounts[0]!.held).toBe(false);
  });

  it("holds them too when the card's certificate cannot be remembered, and says so", async () => {
    env.fake.mssAccounts.visibleCerts.clear();
    const r = await env.run();
    expect(r).toMatchObject({ ok: false, failure: { step: "certificate", code: "client-cert-not-found" } });
    expect(env.fake.mssAccounts.accounts[0]!.held).toBe(true);
    expect(!r.ok && checksHeldAfter(r.failure)).toBe(true);
    expect(checksHeldAfter({ step: "pin", code: "pin-declined" })).toBe(false);
  });

  it("reports a release that failed instead of leaving checks off silently", async () => {
    const hold = env.fake.mssAccounts.holdChecks.bind(env.fake.mssAccounts);
    env.fake.mssAccounts.holdChecks = async (id, held) =>
      held ? hold(id, held) : { ok: false as const, code: "hold-failed", message: "x" };
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "logon", code: "checks-resume-failed" } });
  });
});

describe("timeouts: the page waits longer than the bridge", () => {
  it("gives card operations more time than the bridge's worst case, and the others more than its bound", () => {
    const bridgeCardWorst = DEFAULT_LIMITS.cardOperationTimeoutMs + CARD_BACKSTOP_MS;
    for (const m of ["card.getIdentity", "card.getPinStatus", "card.getModuleInfo", "card.installModuleManifest"] as const) {
      expect(bridgeCallTimeout(m), m).toBeGreaterThan(bridgeCardWorst);
    }
    // The card watcher uses the same bound for its reads.
    expect(CARD_CALL_TIMEOUT_MS).toBeGreaterThan(bridgeCardWorst);
    for (const m of ["discovery.discover", "directory.lookupByIdNat", "trust.check"] as const) {
      expect(bridgeCallTimeout(m), m).toBeGreaterThan(DEFAULT_LIMITS.operationTimeoutMs);
    }
    expect(BRIDGE_CALL_TIMEOUT_MS).toBeGreaterThan(DEFAULT_LIMITS.operationTimeoutMs);
  });

  it("names a request that timed out as such, not as a bridge to start", async () => {
    expect(callFailure({ code: "REQUEST_TIMEOUT", message: "x" })).toBe("request-timeout");
    expect(callFailure({ code: "TIMEOUT", message: "x" })).toBe("request-timeout");
    expect(callFailure({ code: "CONNECTION_CLOSED", message: "x" })).toBe("bridge-down");

    env.fail("card.getPinStatus", "REQUEST_TIMEOUT");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "card", code: "request-timeout" } });
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "pin", code: "request-timeout" } });
    env.handlers["card.getPinStatus"] = () => ({ state: "ok", pinPad: false });
    env.fail("card.getIdentity", "TIMEOUT");
    expect(await prepare(env.deps, env.ui)).toMatchObject({ ok: false, failure: { step: "identity", code: "request-timeout" } });
    env.fail("card.getModuleInfo", "REQUEST_TIMEOUT");
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "module", code: "request-timeout" } });
    const fr = JSON.parse(readFileSync(new URL("../../_locales/fr/messages.json", import.meta.url), "utf8")) as Record<
      string,
      { message: string }
    >;
    expect(fr.todo_request_timeout!.message).toMatch(/réinsérez/);
  });
});

describe("nothing thrown is lost", () => {
  it("reports an account the background could not record", async () => {
    env.deps.recordAccount = async () => {
      throw new Error("storage full");
    };
    expect(await env.run()).toMatchObject({
      ok: false,
      failure: { step: "account", code: "record-failed", detail: expect.stringContaining("storage full") },
    });
  });

  it("treats a refusal or no answer from the background as not recorded", async () => {
    const sent: unknown[] = [];
    let reply: { ok: boolean } | undefined = { ok: false };
    env.deps.recordAccount = recordThroughBackground(async (msg) => {
      sent.push(msg);
      return reply;
    });
    expect(await env.run()).toMatchObject({ ok: false, failure: { step: "account", code: "record-failed" } });
    expect(sent[0]).toMatchObject({ kind: "setup.done", account: { accountId: "account1", email: DUPONT.email } });
    reply = undefined;
    expect(await env.run()).toMatchObject({ ok: false, failure: { code: "record-failed" } });
    reply = { ok: true };
    expect(await env.run()).toMatchObject({ ok: true });
  });

  it("turns an error thrown by the page into a failure of the step under way", async () => {
    env.handlers["discovery.discover"] = () =>
      discovered([
        target("imap", "mail.elsewhere.example", 143, "certificate", 20, false),
        target("submission", "cert.medecin.mssante.fr", 587, "certificate", 20),
      ]);
    env.ui.confirmTargets = async () => {
      throw new Error("the page went away");
    };
    const r = await provisionSafely(env.deps, env.ui, { identity: IDENTITY, address: DUPONT.email });
    expect(r).toMatchObject({
      ok: false,
      failure: { step: "discovery", code: "unexpected-error", detail: expect.stringContaining("the page went away") },
    });
    expect(env.progress.at(-1)).toEqual(["discovery", "failed"]);
  });
});

/**
 * The Experiment's parent code as the .xpi ships it (built from mssAccounts/src/ by the same
 * function as `npm run build`), run in a sandbox with small fakes of the Thunderbird objects it
 * touches (MailServices, Components). This checks its own logic — idempotency, validation, the
 * never-reject rule — and that schema.json, the built script and the API the extension calls it
 * through list the same functions. The pure modules have their own tests in mssAccounts/src/. That
 * it works inside a real Thunderbird is the job of the end-to-end suites (test/e2e).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { bundleExperiment } from "../../scripts/build-experiment.mjs";
import { CHANGE_FIELDS } from "../pages/setup/setup-flow.ts";
import { MSS_ACCOUNTS_FUNCTIONS } from "./mssAccounts/src/api.ts";

const API_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "mssAccounts");
const SRC = await bundleExperiment(API_DIR);
const SCHEMA = JSON.parse(readFileSync(path.join(API_DIR, "schema.json"), "utf8")) as {
  namespace: string;
  functions: { name: string; async?: boolean; parameters: { name: string }[] }[];
}[];

class FakeServer {
  key: string;
  hostname: string;
  port = 143;
  socketType = 0;
  authMethod = 3;
  username: string;
  type: string;
  doBiff = true;
  loginAtStartUp = true;
  closed = 0;
  bools = new Map<string, boolean>();
  constructor(key: string, user: string, host: string, type: string) {
    this.key = key;
    this.username = user;
    this.hostname = host;
    this.type = type;
  }
  get serverURI() {
    return `${this.type}://${this.username}@${this.hostname}`;
  }
  setBoolValue(k: string, v: boolean) {
    this.bools.set(k, v);
  }
  getBoolValue(k: string) {
    if (!this.bools.has(k)) throw new Error("no pref");
    return this.bools.get(k)!;
  }
  closeCachedConnections() {
    this.closed++;
  }
  /** What verifyLogon reports (an nsresult), null for no answer. */
  logonStatus: number | null = 0;
  verifyLogon(listener: { OnStopRunningUrl(url: unknown, status: number): void }) {
    const status = this.logonStatus;
    if (status !== null) setTimeout(() => listener.OnStopRunningUrl(null, status), 1);
  }
}

function fakeMailServices() {
  let n = 1;
  const accounts: any[] = [];
  const incoming: FakeServer[] = [];
  const outgoing: any[] = [];
  const MS = {
    accounts: {
      accounts,
      throwOnCreate: false,
      findServer: (u: string, h: string, t: string) => incoming.find((s) => s.username === u && s.hostname === h && s.type === t) ?? null,
      findAccountForServer: (s: FakeServer) => accounts.find((a) => a.incomingServer === s) ?? null,
      createIncomingServer(u: string, h: string, t: string) {
        if (MS.accounts.throwOnCreate) throw new Error("NS_ERROR_FAILURE");
        const s = new FakeServer(`server${n++}`, u, h, t);
        incoming.push(s);
        return s;
      },
      createIdentity: () => ({ key: `id${n++}`, email: "", fullName: "", smtpServerKey: "", valid: false }),
      createAccount() {
        const a: any = {
          key: `account${n++}`,
          identities: [] as any[],
          incomingServer: null,
          addIdentity: (i: any) => a.identities.push(i),
        };
        Object.defineProperty(a, "defaultIdentity", { get: () => a.identities[0] ?? null });
        accounts.push(a);
        return a;
      },
      getAccount: (k: string) => accounts.find((a) => a.key === k) ?? null,
    },
    outgoingServer: {
      servers: outgoing,
      findServer: (u: string, h: string) => outgoing.find((s) => s.username === u && s.hostname === h) ?? null,
      createServer() {
        const s = {
          key: `smtp${n++}`,
          hostname: "",
          port: 0,
          socketType: 0,
          authMethod: 3,
          username: "",
          description: "",
          QueryInterface() {
            return this;
          },
        };
        outgoing.push(s);
        return s;
      },
      getServerByKey: (k: string) => outgoing.find((s) => s.key === k) ?? null,
    },
  };
  return MS;
}

/** The card's certificate as NSS lists it, and a client-certificate memory with Thunderbird 153's signature. */
const CARD_CERT = { sha256Fingerprint: `${"AB:".repeat(31)}AB`, commonName: "Jean Dupont" };
function fakeCertServices(opts: { throwOnRemember?: (host: string) => boolean } = {}) {
  /** Every call made, including refused ones. */
  const calls: unknown[][] = [];
  const classes = {
    "@mozilla.org/security/x509certdb;1": {
      getService: () => ({ getCerts: () => [{ sha256Fingerprint: `${"CD:".repeat(31)}CD` }, CARD_CERT] }),
    },
    "@mozilla.org/security/clientAuthRememberService;1": {
      getService: () => ({
        rememberDecisionScriptable(...args: unknown[]) {
          calls.push(args);
          if (opts.throwOnRemember?.(args[0] as string)) throw new Error("NS_ERROR_XPC_NOT_ENOUGH_ARGS");
        },
      }),
    },
  };
  return { classes, calls };
}

function load(
  classes: Record<string, unknown> = {},
  extra: { modules?: Record<string, unknown>; os?: string; context?: unknown; extension?: unknown } = {},
) {
  const MS = fakeMailServices();
  const prefs = new Map<string, string>();
  class ExtensionAPI {
    constructor(public extension: unknown) {}
  }
  const sandbox: Record<string, any> = {
    ChromeUtils: {
      importESModule(url: string) {
        if (url.includes("ExtensionCommon")) return { ExtensionCommon: { ExtensionAPI } };
        if (url.includes("MailServices")) return { MailServices: MS };
        if (url.includes("Timer")) return { setTimeout, clearTimeout };
        for (const [name, module] of Object.entries(extra.modules ?? {})) if (url.includes(name)) return module;
        throw new Error(`unexpected module ${url}`);
      },
      generateQI: () => () => undefined,
    },
    Components: {
      interfaces: {
        nsISmtpServer: {},
        nsIClientAuthRememberService: { Permanent: 2 },
        nsINSSErrorsService: {},
        nsIX509CertDB: { TRUSTED_SSL: 1, TRUSTED_EMAIL: 2 },
        nsIX509Cert: { CA_CERT: 1 },
        nsIPKCS11ModuleDB: {},
        nsIFile: {},
      },
      classes,
      isSuccessCode: (s: number) => s >>> 0 < 0x80000000,
    },
    Services: {
      prefs: {
        savePrefFile() {},
        getStringPref: (name: string, dflt: string) => prefs.get(name) ?? dflt,
        setStringPref: (name: string, value: string) => void prefs.set(name, value),
        clearUserPref: (name: string) => void prefs.delete(name),
      },
      wm: { getMostRecentWindow: () => null },
      appinfo: { OS: extra.os ?? "Linux" },
    },
  };
  vm.createContext(sandbox);
  vm.runInContext(SRC, sandbox, { filename: "implementation.js" });
  const instance = new sandbox.mssAccounts(extra.extension ?? {});
  const api = instance.getAPI(extra.context ?? {}).mssAccounts;
  return { MS, api, instance, prefs, globals: Object.keys(sandbox) };
}

const REQ = {
  email: "jean.dupont@medecin.mssante.fr",
  realName: "Jean Dupont",
  imap: { host: "cert.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7 },
  smtp: { host: "cert.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
};

const nss = (code: number) => (0x805a0000 | (-code & 0xffff)) >>> 0;

describe("mssAccounts Experiment: one list of functions", () => {
  const schemaFunctions = Object.fromEntries(SCHEMA[0]!.functions.map((f) => [f.name, f.parameters.length]));

  it("schema.json declares exactly the API the extension calls (names and parameter counts)", () => {
    expect(SCHEMA).toHaveLength(1);
    expect(SCHEMA[0]!.namespace).toBe("mssAccounts");
    expect(schemaFunctions).toEqual(MSS_ACCOUNTS_FUNCTIONS);
    for (const f of SCHEMA[0]!.functions) expect(f.async, f.name).toBe(true);
  });

  it("the built implementation provides exactly those functions, and defines no other global", () => {
    const { api, globals } = load();
    expect(Object.fromEntries(Object.entries(api).map(([name, fn]) => [name, (fn as (...a: unknown[]) => unknown).length]))).toEqual(
      MSS_ACCOUNTS_FUNCTIONS,
    );
    expect(globals.sort()).toEqual(["ChromeUtils", "Components", "Services", "mssAccounts"]);
  });
});

describe("mssAccounts Experiment (parent code)", () => {
  it("lists the modules on the card manifest's library whatever their names: a symbolic link, a bare file name", async () => {
    const real = "/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so";
    /** What realpath gives for each existing path. */
    const files: Record<string, string> = {
      "/usr/lib/libcps3_pkcs11_lux.so": real,
      [real]: real,
      "/usr/lib/softhsm/libsofthsm2.so": "/usr/lib/softhsm/libsofthsm2.so",
    };
    const classes = {
      "@mozilla.org/security/pkcs11moduledb;1": {
        getService: () => ({
          // Thunderbird 153 answers with a Promise.
          listModules: async () => [
            { name: "NSS Internal PKCS #11 Module", libName: null, slots: [] },
            { name: "CPS", libName: "/usr/lib/libcps3_pkcs11_lux.so", slots: [{ status: 1 }, { status: 5 }] },
            { name: "SoftHSM", libName: "/usr/lib/softhsm/libsofthsm2.so", slots: [{ status: 5 }] },
            { name: "Bare", libName: "libcps3_pkcs11_lux.so", slots: [{ status: 1 }] },
          ],
        }),
      },
      "@mozilla.org/file/local;1": {
        createInstance: () => {
          let p = "";
          return {
            initWithPath(x: string) {
              p = x;
            },
            normalize() {
              if (!(p in files)) throw new Error("NS_ERROR_FILE_NOT_FOUND");
              p = files[p]!;
            },
            get path() {
              return p;
            },
          };
        },
      },
    };
    const lookups: unknown[][] = [];
    const description = "MSSanté: carte CPS / CPS card (Cryptolib CPS)";
    const NativeManifests = {
      async lookupManifest(...args: unknown[]) {
        lookups.push(args);
        return args[1] === "mssante_cps"
          ? { path: "/home/u/.mozilla/pkcs11-modules/mssante_cps.json", manifest: { path: real, description } }
          : null;
      },
    };
    const context = { extension: { id: "mssante@example" } };
    const { api } = load(classes, { modules: { NativeManifests: { NativeManifests } }, context });
    expect(await api.pkcs11ModulesOfManifest("mssante_cps")).toEqual({
      ok: true,
      libraryPath: real,
      description,
      modules: [
        { name: "CPS", libName: "/usr/lib/libcps3_pkcs11_lux.so", tokenPresent: true },
        { name: "Bare", libName: "libcps3_pkcs11_lux.so", tokenPresent: false },
      ],
    });
    // Looked up as the pkcs11 API does: for this extension's context.
    expect(lookups[0]).toEqual(["pkcs11", "mssante_cps", context]);
    expect(await api.pkcs11ModulesOfManifest("other")).toMatchObject({ ok: false, code: "no-manifest" });
    expect(await api.pkcs11ModulesOfManifest("../x")).toMatchObject({ ok: false, code: "invalid-request" });
    // Never rejects, even when Thunderbird has no such service.
    expect(await load().api.pkcs11ModulesOfManifest("mssante_cps")).toMatchObject({ ok: false });
  });

  it("verifies the logon, and classifies a refusal into what the user can act on", async () => {
    const { MS, api } = load();
    const { accountId } = await api.createOrRepairAccount(REQ);
    const server = MS.accounts.accounts[0].incomingServer as FakeServer;
    expect(await api.verifyLogon(accountId)).toEqual({ ok: true, verified: true });
    server.logonStatus = nss(-12288 + 181); // certificate required (TLS 1.3)
    expect(await api.verifyLogon(accountId)).toMatchObject({ ok: false, code: "cert-refused" });
    server.logonStatus = 0x804b000d;
    expect(await api.verifyLogon(accountId)).toEqual({ ok: false, code: "server-unreachable", message: "connection refused" });
    server.logonStatus = 0x805a1ff4; // SEC_ERROR_REVOKED_CERTIFICATE, as Thunderbird 153 reports it
    expect(await api.verifyLogon(accountId)).toMatchObject({ ok: false, code: "server-cert-revoked" });
    server.logonStatus = null; // no answer at all
    expect(await api.verifyLogon(accountId, 20)).toMatchObject({ ok: false, code: "timeout" });
  });

  it("creates the account once: IMAP server, SMTP server, identity, incoming server attached last", async () => {
    const { MS, api } = load();
    const r = await api.createOrRepairAccount(REQ);
    expect(r).toMatchObject({ ok: true, action: "created" });
    const account = MS.accounts.accounts[0];
    expect(account.incomingServer).toMatchObject({
      hostname: "cert.medecin.mssante.fr",
      port: 143,
      socketType: 2,
      authMethod: 7,
      username: REQ.email,
    });
    expect(account.identities[0]).toMatchObject({
      email: REQ.email,
      fullName: "Jean Dupont",
      smtpServerKey: MS.outgoingServer.servers[0].key,
      fccFolderURI: "imap://jean.dupont@medecin.mssante.fr@cert.medecin.mssante.fr/Sent",
    });
    expect(MS.outgoingServer.servers[0]).toMatchObject({
      hostname: "cert.medecin.mssante.fr",
      port: 587,
      socketType: 2,
      authMethod: 7,
      username: REQ.email,
    });
  });

  it("is idempotent, and repairs what differs only with the user's confirmation, without creating anything", async () => {
    const { MS, api } = load();
    await api.createOrRepairAccount(REQ);
    expect(await api.createOrRepairAccount(REQ)).toMatchObject({ ok: true, action: "unchanged", changes: [] });
    const other = { ...REQ, imap: { ...REQ.imap, authMethod: 7, socketType: 2, port: 1143 } };
    const plan = await api.planAccount(other);
    expect(plan).toEqual({
      ok: true,
      existing: {
        accountId: MS.accounts.accounts[0].key,
        matchedBy: "email",
        email: REQ.email,
        changes: [{ field: "imap.port", from: 143, to: 1143 }],
      },
    });
    // Not confirmed (or confirmed for something else): nothing changes.
    expect(await api.createOrRepairAccount(other)).toMatchObject({ ok: false, code: "repair-not-confirmed" });
    expect(await api.createOrRepairAccount({ ...other, confirmedRepair: { accountId: "account99", fields: ["imap.port"] } })).toMatchObject(
      { ok: false, code: "repair-not-confirmed" },
    );
    expect(
      await api.createOrRepairAccount({
        ...other,
        confirmedRepair: { accountId: MS.accounts.accounts[0].key, fields: ["imap.authMethod"] },
      }),
    ).toMatchObject({ ok: false, code: "repair-not-confirmed" });
    expect(MS.accounts.accounts[0].incomingServer.port).toBe(143);
    const r = await api.createOrRepairAccount({
      ...other,
      confirmedRepair: { accountId: MS.accounts.accounts[0].key, fields: ["imap.port"] },
    });
    expect(r).toMatchObject({ ok: true, action: "repaired", changes: [{ field: "imap.port", from: 143, to: 1143 }] });
    expect(MS.accounts.accounts).toHaveLength(1);
    expect(MS.outgoingServer.servers).toHaveLength(1);
    // Found by identity address, case-insensitively.
    expect(await api.findAccount("Jean.Dupont@medecin.mssante.fr")).toMatchObject({
      ok: true,
      found: true,
      account: { imap: { port: 1143 } },
    });
  });

  it("plans without changing anything", async () => {
    const { MS, api } = load();
    await api.createOrRepairAccount({
      ...REQ,
      realName: "Dr Dupont",
      imap: { ...REQ.imap, port: 993, socketType: 3, authMethod: 3 },
      smtp: { ...REQ.smtp, port: 465, socketType: 3, authMethod: 3 },
    });
    const identity = MS.accounts.accounts[0].identities[0];
    identity.fccFolderURI = "";
    const snapshot = JSON.stringify({ accounts: MS.accounts.accounts, smtp: MS.outgoingServer.servers });
    const plan = await api.planAccount(REQ);
    expect(JSON.stringify({ accounts: MS.accounts.accounts, smtp: MS.outgoingServer.servers })).toBe(snapshot);
    expect(plan.existing.changes).toEqual([
      { field: "imap.port", from: 993, to: 143 },
      { field: "imap.socketType", from: 3, to: 2 },
      { field: "imap.authMethod", from: 3, to: 7 },
      // The identity's name ("Dr Dupont") is its user's: kept (ECO.2.2.7's name is for new accounts).
      { field: "smtp.port", from: 465, to: 587 },
      { field: "smtp.socketType", from: 3, to: 2 },
      { field: "smtp.authMethod", from: 3, to: 7 },
      { field: "identity.fccFolderURI", from: null, to: "imap://jean.dupont@medecin.mssante.fr@cert.medecin.mssante.fr/Sent" },
    ]);
    // The repair then makes exactly those changes.
    const r = await api.createOrRepairAccount({
      ...REQ,
      confirmedRepair: { accountId: plan.existing.accountId, fields: plan.existing.changes.map((c: { field: string }) => c.field) },
    });
    expect(r).toMatchObject({ ok: true, action: "repaired" });
    expect(r.changes).toEqual(plan.existing.changes);
    expect(await api.planAccount(REQ)).toMatchObject({ ok: true, existing: { changes: [] } });
    for (const c of r.changes) expect(CHANGE_FIELDS).toContain(c.field);
  });

  it("never overwrites an identity's address silently (an account found by its IMAP server)", async () => {
    const { MS, api } = load();
    const secretariat = "secretariat@medecin.mssante.fr";
    // An account logging in as the doctor's address, whose identity has another address.
    await api.createOrRepairAccount({ ...REQ, email: secretariat, imap: { ...REQ.imap, username: REQ.email } });
    const identity = MS.accounts.accounts[0].identities[0];
    const plan = await api.planAccount(REQ);
    expect(plan).toMatchObject({
      ok: true,
      existing: { accountId: MS.accounts.accounts[0].key, matchedBy: "imap-server", email: secretariat },
    });
    expect(plan.existing.changes).toContainEqual({ field: "identity.email", from: secretariat, to: REQ.email });
    expect(plan.existing.changes).toContainEqual({ field: "smtp.created", from: null, to: "cert.medecin.mssante.fr:587" });
    for (const c of plan.existing.changes) expect(CHANGE_FIELDS).toContain(c.field);

    expect(await api.createOrRepairAccount(REQ)).toMatchObject({ ok: false, code: "repair-not-confirmed" });
    expect(identity.email).toBe(secretariat);
    expect(MS.outgoingServer.servers).toHaveLength(1);

    const fields = plan.existing.changes.map((c: { field: string }) => c.field);
    expect(await api.createOrRepairAccount({ ...REQ, confirmedRepair: { accountId: plan.existing.accountId, fields } })).toMatchObject({
      ok: true,
      action: "repaired",
    });
    expect(identity.email).toBe(REQ.email);
    expect(identity.smtpServerKey).toBe(MS.outgoingServer.servers[1].key);
    expect(MS.accounts.accounts).toHaveLength(1);
  });

  it("reports an existing account that is not IMAP, in the plan as in the creation", async () => {
    const { MS, api } = load();
    const server = MS.accounts.createIncomingServer(REQ.email, "pop.medecin.mssante.fr", "pop3");
    const identity = MS.accounts.createIdentity();
    identity.email = REQ.email;
    const account = MS.accounts.createAccount();
    account.addIdentity(identity);
    account.incomingServer = server;
    expect(await api.planAccount(REQ)).toMatchObject({ ok: false, code: "existing-not-imap" });
    expect(await api.createOrRepairAccount(REQ)).toMatchObject({ ok: false, code: "existing-not-imap" });
    expect(await api.planAccount({ ...REQ, email: "nope" })).toMatchObject({ ok: false, code: "invalid-request" });
  });

  it("validates its input and never rejects, even when Thunderbird throws", async () => {
    const { MS, api } = load();
    expect(await api.createOrRepairAccount({ ...REQ, email: "nope" })).toMatchObject({ ok: false, code: "invalid-request" });
    expect(await api.createOrRepairAccount({ ...REQ, imap: { ...REQ.imap, host: "bad host/x" } })).toMatchObject({
      ok: false,
      code: "invalid-request",
    });
    MS.accounts.throwOnCreate = true;
    const r = await api.createOrRepairAccount(REQ);
    expect(r).toMatchObject({ ok: false, code: "account-failed", detail: "NS_ERROR_FAILURE" });
    expect(await api.verifyLogon("account-none")).toMatchObject({ ok: false, code: "unknown-account" });
    expect(await api.trustServerCA("not a pem")).toMatchObject({ ok: false, code: "invalid-request" });
    expect(await api.rememberClientCertificate({ hosts: [], certificateSha256: "x" })).toMatchObject({ ok: false });
  });

  it("remembers the card's certificate for each host with Thunderbird 153's call only", async () => {
    const certs = fakeCertServices();
    const { api } = load(certs.classes);
    const r = await api.rememberClientCertificate({
      hosts: ["imap.medecin.mssante.fr", "smtp.medecin.mssante.fr"],
      certificateSha256: CARD_CERT.sha256Fingerprint.toLowerCase(),
    });
    expect(r).toEqual({ ok: true, remembered: ["imap.medecin.mssante.fr", "smtp.medecin.mssante.fr"] });
    // (host, originAttributes, the card's certificate, Permanent): never another shape, never a null certificate.
    expect(certs.calls).toEqual([
      ["imap.medecin.mssante.fr", {}, CARD_CERT, 2],
      ["smtp.medecin.mssante.fr", {}, CARD_CERT, 2],
    ]);
  });

  it("fails clearly when Thunderbird refuses that call, with no other attempt", async () => {
    const certs = fakeCertServices({ throwOnRemember: (host) => host.startsWith("smtp") });
    const { api } = load(certs.classes);
    const r = await api.rememberClientCertificate({
      hosts: ["imap.medecin.mssante.fr", "smtp.medecin.mssante.fr"],
      certificateSha256: CARD_CERT.sha256Fingerprint,
    });
    expect(r).toMatchObject({ ok: false, code: "remember-failed", detail: "NS_ERROR_XPC_NOT_ENOUGH_ARGS" });
    expect(r.message).toMatch(
      /could not remember the card's certificate for smtp\.medecin\.mssante\.fr .*Thunderbird 153.*already remembered for imap\.medecin\.mssante\.fr/,
    );
    // One call per host: no other signature tried (an older one took a null client certificate).
    expect(certs.calls).toEqual([
      ["imap.medecin.mssante.fr", {}, CARD_CERT, 2],
      ["smtp.medecin.mssante.fr", {}, CARD_CERT, 2],
    ]);
    // A certificate Thunderbird does not see is said so, before anything is remembered.
    const none = fakeCertServices();
    const other = load(none.classes).api;
    expect(
      await other.rememberClientCertificate({ hosts: ["imap.medecin.mssante.fr"], certificateSha256: `${"EF:".repeat(31)}EF` }),
    ).toMatchObject({ ok: false, code: "client-cert-not-found" });
    expect(none.calls).toEqual([]);
  });

  it("pauses mail checks and restores exactly what was there", async () => {
    const { MS, api } = load();
    const { accountId } = await api.createOrRepairAccount(REQ);
    const server = MS.accounts.accounts[0].incomingServer as FakeServer;
    server.loginAtStartUp = false; // the user's own choice must survive
    expect(await api.pauseChecks(accountId, true)).toEqual({ ok: true, paused: true, held: false });
    expect(server).toMatchObject({ doBiff: false, loginAtStartUp: false, closed: 1 });
    expect(await api.pauseChecks(accountId, true)).toEqual({ ok: true, paused: true, held: false }); // idempotent
    expect(server.closed).toBe(1);
    expect(await api.pauseChecks(accountId, false)).toEqual({ ok: true, paused: false, held: false });
    expect(server).toMatchObject({ doBiff: true, loginAtStartUp: false });
  });

  it("holds checks until the logon is verified, whatever the card-out pause does meanwhile", async () => {
    const { MS, api } = load();
    const { accountId } = await api.createOrRepairAccount(REQ);
    const server = MS.accounts.accounts[0].incomingServer as FakeServer;
    expect(await api.holdChecks(accountId, true)).toEqual({ ok: true, paused: false, held: true });
    expect(server).toMatchObject({ doBiff: false, loginAtStartUp: false, closed: 1 });
    // Card pulled, then inserted: the card watcher resumes, the hold stays.
    expect(await api.pauseChecks(accountId, true)).toEqual({ ok: true, paused: true, held: true });
    expect(await api.pauseChecks(accountId, false)).toEqual({ ok: true, paused: false, held: true });
    expect(server).toMatchObject({ doBiff: false, loginAtStartUp: false, closed: 1 });
    // Logon verified: back to what was there before the hold.
    expect(await api.holdChecks(accountId, false)).toEqual({ ok: true, paused: false, held: false });
    expect(server).toMatchObject({ doBiff: true, loginAtStartUp: true });
    // Released while the card is out: checks stay off until it returns.
    await api.holdChecks(accountId, true);
    await api.pauseChecks(accountId, true);
    await api.holdChecks(accountId, false);
    expect(server).toMatchObject({ doBiff: false, loginAtStartUp: false });
    await api.pauseChecks(accountId, false);
    expect(server).toMatchObject({ doBiff: true, loginAtStartUp: true });
    expect(await api.findAccount(REQ.email)).toMatchObject({ account: { paused: false, held: false } });
    expect(await api.holdChecks("account-none", true)).toMatchObject({ ok: false, code: "unknown-account" });
  });
});

/** A stand-in SHA-256 fingerprint, as NSS writes them ("AB:CD:…"). */
const fingerprint = (b64: string) =>
  createHash("sha256")
    .update(b64)
    .digest("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1:");

/** A certificate database that knows certificates by their base64 DER and keeps their NSS trust strings. */
function fakeCertDb(trusted: Record<string, string> = {}) {
  const db = new Map<string, string>(Object.entries(trusted));
  const calls: string[] = [];
  const cert = (b64: string) => ({ b64, sha256Fingerprint: fingerprint(b64) });
  const flag = (trust: string, i: number) => (trust.split(",")[i] ?? "").includes("C");
  const service = {
    constructX509FromBase64: (b64: string) => cert(b64),
    addCertFromBase64(b64: string, trust: string) {
      calls.push(`add ${b64.slice(0, 8)} ${trust}`);
      if (!db.has(b64)) db.set(b64, trust);
      return cert(b64);
    },
    setCertTrustFromString(c: { b64: string }, trust: string) {
      calls.push(`trust ${c.b64.slice(0, 8)} ${trust}`);
      db.set(c.b64, trust);
    },
    deleteCertificate(c: { b64: string }) {
      calls.push(`delete ${c.b64.slice(0, 8)}`);
      db.delete(c.b64);
    },
    isCertTrusted: (c: { b64: string }, _type: number, use: number) => flag(db.get(c.b64) ?? ",,", Math.log2(use)),
  };
  return { db, calls, classes: { "@mozilla.org/security/x509certdb;1": { getService: () => service } } };
}

describe("mssAccounts Experiment: server CAs (parent code)", () => {
  const ID = "mssante-thunderbird@mss-bridge";
  const SHIPPED = "MIIBshippedCA";
  const OTHER = "MIIBforeignCA";
  const pem = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;

  function setup(trusted: Record<string, string> = {}) {
    const certs = fakeCertDb(trusted);
    const listeners = new Set<(event: string, id: string) => void>();
    const apiManager = {
      on: (_e: string, l: (event: string, id: string) => void) => listeners.add(l),
      off: (_e: string, l: never) => listeners.delete(l),
    };
    const extension = {
      id: ID,
      once() {},
      readJSON: async (p: string) => {
        if (p !== "data/igc-sante-cas.json") throw new Error(`unexpected ${p}`);
        return { includesExtra: false, certificates: [{ name: "shipped.pem", pem: pem(SHIPPED) }] };
      },
    };
    type AddonListener = { onDisabling(a: { id: string }): void; onUninstalling(a: { id: string }): void };
    const addonListeners = new Set<AddonListener>();
    const AddonManager = {
      addAddonListener: (l: AddonListener) => addonListeners.add(l),
      removeAddonListener: (l: AddonListener) => addonListeners.delete(l),
    };
    const loaded = load(certs.classes, {
      extension,
      modules: { ExtensionParent: { ExtensionParent: { apiManager } }, AddonManager: { AddonManager } },
    });
    loaded.instance.onStartup();
    const emitDisable = (id: string) => {
      for (const l of [...listeners]) l("disable", id);
    };
    /** The Add-on Manager's call before the shutdown (the only one when Thunderbird 153 stops the shutdown half-way). */
    const addonEvent = (event: "onDisabling" | "onUninstalling", id: string) => {
      for (const l of [...addonListeners]) l[event]({ id });
    };
    return { ...loaded, certs, listeners, addonListeners, emitDisable, addonEvent };
  }

  it("refuses a certificate the package does not carry, whatever the page sends, and trusts nothing", async () => {
    const { api, certs, prefs } = setup();
    expect(await api.trustServerCA(pem(OTHER))).toMatchObject({ ok: false, code: "ca-not-allowed" });
    expect(certs.calls).toEqual([]);
    expect(prefs.size).toBe(0);
  });

  it("trusts a shipped CA for TLS servers, records it, and takes it back on disable or uninstall only", async () => {
    const { api, certs, prefs, instance, listeners, emitDisable } = setup();
    const sha256 = fingerprint(SHIPPED).replace(/:/g, "").toLowerCase();
    expect(await api.trustServerCA(pem(SHIPPED))).toEqual({ ok: true, added: true, fingerprint: sha256 });
    expect(certs.db.get(SHIPPED)).toBe("C,,");
    expect(JSON.parse(prefs.get("extensions.mssante-thunderbird.addedServerCAs")!)).toEqual([{ sha256, der: SHIPPED, before: ",," }]);
    // Again (a second setup): already ours, nothing changes.
    expect(await api.trustServerCA(pem(SHIPPED))).toMatchObject({ ok: true, added: false });
    emitDisable("another-addon@example");
    expect(certs.db.get(SHIPPED)).toBe("C,,");
    emitDisable(ID);
    expect(certs.db.has(SHIPPED)).toBe(false);
    expect(prefs.size).toBe(0);
    instance.onShutdown(false);
    expect(listeners.size).toBe(0);
  });

  it("takes it back on the Add-on Manager's onDisabling or onUninstalling alone, once, and stops listening at shutdown", async () => {
    for (const event of ["onDisabling", "onUninstalling"] as const) {
      const { api, certs, prefs, instance, listeners, addonListeners, addonEvent, emitDisable } = setup();
      expect(await api.trustServerCA(pem(SHIPPED))).toMatchObject({ ok: true, added: true });
      addonEvent(event, "another-addon@example");
      expect(certs.db.get(SHIPPED)).toBe("C,,");
      addonEvent(event, ID);
      expect(certs.db.has(SHIPPED)).toBe(false);
      expect(prefs.size).toBe(0);
      // The API manager's "disable" may follow when the shutdown goes through: nothing is done twice.
      const calls = certs.calls.length;
      emitDisable(ID);
      expect(certs.calls.length).toBe(calls);
      instance.onShutdown(false);
      expect(listeners.size).toBe(0);
      expect(addonListeners.size).toBe(0);
    }
  });

  it("never records, so never removes, a CA trusted before it, and puts back other uses' trust", async () => {
    const before = setup({ [SHIPPED]: "CT,C," });
    expect(await before.api.trustServerCA(pem(SHIPPED))).toMatchObject({ ok: true, added: false });
    before.emitDisable(ID);
    expect(before.certs.db.get(SHIPPED)).toBe("CT,C,");
    expect(before.prefs.size).toBe(0);

    const emailOnly = setup({ [SHIPPED]: ",C," });
    expect(await emailOnly.api.trustServerCA(pem(SHIPPED))).toMatchObject({ ok: true, added: true });
    expect(emailOnly.certs.db.get(SHIPPED)).toBe("C,C,");
    emailOnly.emitDisable(ID);
    expect(emailOnly.certs.db.get(SHIPPED)).toBe(",C,");
  });

  it("refuses a plaintext IMAP or SMTP connection and creates nothing", async () => {
    const { MS, api } = load();
    for (const req of [
      { ...REQ, imap: { ...REQ.imap, socketType: 0 } },
      { ...REQ, smtp: { ...REQ.smtp, socketType: 0 } },
    ]) {
      expect(await api.planAccount(req)).toMatchObject({ ok: false, code: "plaintext-refused" });
      expect(await api.createOrRepairAccount(req)).toMatchObject({ ok: false, code: "plaintext-refused" });
    }
    expect(MS.accounts.accounts).toHaveLength(0);
  });
});

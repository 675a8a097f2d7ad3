/**
 * A fake `messenger` for unit tests that follows the real API's semantics as documented in
 * Thunderbird's schemas and as observed on Thunderbird 153:
 * - addressBooks.provider.onSearchRequest.addListener(listener, {addressBookName, isSecure, id})
 *   requires the options; autocomplete calls listener(node, typedText, null), uses at most 100
 *   results, in the order given, and only each contact's PrimaryEmail (one line per address);
 * - compose.onBeforeSend listeners run in turn; a result {cancel: true} stops the send; a send
 *   that goes on fires compose.onAfterSend (mode "sendNow", or the send's error);
 * - pkcs11.isModuleInstalled / installModule reject "No such PKCS#11 module <name>" when no native
 *   manifest of that name allows this extension (as Thunderbird 153 does);
 * - runtime.sendNativeMessage rejects "No such native application <name>" when no host is registered;
 * - runtime.connectNative returns a port at once; with no host registered in `nativeApps` it
 *   disconnects soon after with port.error "No such native application <name>" (as Thunderbird does);
 *   messages and disconnections are delivered asynchronously;
 * - runtime.sendMessage reaches onMessage listeners, first non-undefined answer wins, and rejects
 *   "Could not establish connection. Receiving end does not exist." when none answers;
 * - storage.local stores structured clones;
 * - mssAccounts behaves like extension/experiments/mssAccounts (never rejects, idempotent).
 */
import { readVCard } from "./vcard-reader.ts";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADDON_ID } from "../../shared/constants.ts";
import type {
  AfterSendListener,
  ComposeDetails,
  Messenger,
  NativePort,
  Pkcs11Slot,
  ProviderContact,
  SearchRequestListener,
  SendInfo,
  WebExtEvent,
} from "../background/messenger-types.ts";
import type {
  AccountChange,
  AccountSummary,
  CreateAccountRequest,
  ExistingAccount,
  ExperimentResult,
  MssAccountsApi,
  Pkcs11ModuleSummary,
  VerifyFailure,
  OAuthProviderDetails,
} from "../experiments/mssAccounts/src/api.ts";

export class FakeEvent<F extends (...args: any[]) => any> implements WebExtEvent<F> {
  readonly entries: { fn: F; extra: any[] }[] = [];
  addListener(fn: F, ...extra: any[]): void {
    this.entries.push({ fn, extra });
  }
  removeListener(fn: F): void {
    const i = this.entries.findIndex((e) => e.fn === fn);
    if (i >= 0) this.entries.splice(i, 1);
  }
  hasListener(fn: F): boolean {
    return this.entries.some((e) => e.fn === fn);
  }
  get size(): number {
    return this.entries.length;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const frMessages = JSON.parse(readFileSync(path.join(here, "..", "_locales", "fr", "messages.json"), "utf8")) as Record<
  string,
  { message: string }
>;

export interface FakeAccount {
  accountId: string;
  req: CreateAccountRequest;
  /** The IMAP user name: the request's, else the address, at creation; then setImapUsername's. */
  username: string;
  paused: boolean;
  held: boolean;
}

export interface PkcsManifest {
  allowed: string[];
  loadable: boolean;
  slots: Pkcs11Slot[];
}

/** The card module's library and the name its manifest gives it, in the fake pkcs11 world. */
export const FAKE_CARD_LIBRARY = "/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so";
export const FAKE_CARD_MODULE_NAME = "MSSanté: carte CPS / CPS card (Cryptolib CPS)";

export class FakeMssAccounts implements MssAccountsApi {
  accounts: FakeAccount[] = [];
  trustedCAs: string[] = [];
  remembered: { hosts: string[]; certificateSha256: string }[] = [];
  pauseCalls: { accountId: string; paused: boolean }[] = [];
  calls: string[] = [];
  verifyResult: { ok: true; verified: true } | { ok: false; code: VerifyFailure; message: string } = { ok: true, verified: true };
  /** Fingerprints of certificates NSS can see (the card's, once its module is loaded). */
  visibleCerts = new Set<string>();
  failCreate: { code: string; message: string } | null = null;
  /** IMAP user names the server refuses (verifyLogon answers login-refused), like a standard Dovecot the address. */
  refusedUsernames = new Set<string>();
  /** Every user name verifyLogon was tried with, in order. */
  loggedInAs: string[] = [];
  /** Modules loaded under other names on the card module's library (preloaded by an administrator). */
  otherCardModules: Pkcs11ModuleSummary[] = [];
  /** pkcs11ModulesOfManifest answers this failure (e.g. an older Thunderbird without the module list). */
  failModuleList: { code: string; message: string } | null = null;
  /** Wired by createFakeMessenger to its pkcs11 fake: this extension's own module, when installed. */
  ownCardModule: (name: string) => Pkcs11ModuleSummary | null | "no-manifest" = () => "no-manifest";
  private next = 1;

  private summary(a: FakeAccount): AccountSummary {
    return {
      accountId: a.accountId,
      email: a.req.email,
      realName: a.req.realName,
      imap: { ...a.req.imap, username: a.username },
      smtp: { ...a.req.smtp, username: a.req.email, key: `smtp${a.accountId}` },
      paused: a.paused,
      held: a.held,
    };
  }

  async pkcs11ModulesOfManifest(name: string) {
    this.calls.push("pkcs11ModulesOfManifest");
    if (this.failModuleList) return { ok: false as const, ...this.failModuleList };
    const own = this.ownCardModule(name);
    if (own === "no-manifest") return { ok: false as const, code: "no-manifest", message: `no pkcs11 manifest ${name}` };
    return {
      ok: true as const,
      libraryPath: FAKE_CARD_LIBRARY,
      description: FAKE_CARD_MODULE_NAME,
      modules: [...structuredClone(this.otherCardModules), ...(own ? [own] : [])],
    };
  }

  async findAccount(email: string) {
    this.calls.push("findAccount");
    const a = this.accounts.find((x) => x.req.email.toLowerCase() === email.toLowerCase());
    return { ok: true as const, found: !!a, account: a ? this.summary(a) : null };
  }

  /** The settings that differ, with the Experiment's field names. */
  private diff(a: FakeAccount, req: CreateAccountRequest): AccountChange[] {
    const out: AccountChange[] = [];
    const cmp = (field: string, from: string | number, to: string | number) => {
      if (from !== to) out.push({ field, from, to });
    };
    for (const s of ["imap", "smtp"] as const) {
      cmp(`${s}.hostname`, a.req[s].host, req[s].host);
      cmp(`${s}.port`, a.req[s].port, req[s].port);
      cmp(`${s}.socketType`, a.req[s].socketType, req[s].socketType);
      cmp(`${s}.authMethod`, a.req[s].authMethod, req[s].authMethod);
    }
    // An existing identity's name is the user's (ECO.2.2.7 applies to new accounts): set only when empty.
    if (req.realName && !a.req.realName) cmp("identity.fullName", a.req.realName, req.realName);
    return out;
  }

  private find(req: CreateAccountRequest): FakeAccount | undefined {
    return this.accounts.find((x) => x.req.email.toLowerCase() === req.email.toLowerCase());
  }

  async planAccount(req: CreateAccountRequest): Promise<ExperimentResult<{ existing: ExistingAccount | null }>> {
    this.calls.push("planAccount");
    if (this.failCreate) return { ok: false, ...this.failCreate };
    const a = this.find(req);
    return {
      ok: true,
      existing: a ? { accountId: a.accountId, matchedBy: "email", email: a.req.email, changes: this.diff(a, req) } : null,
    };
  }

  async createOrRepairAccount(
    req: CreateAccountRequest,
  ): Promise<
    ExperimentResult<{ accountId: string; action: "created" | "repaired" | "unchanged"; changes: AccountChange[]; imapUsername: string }>
  > {
    this.calls.push("createOrRepairAccount");
    if (this.failCreate) return { ok: false, ...this.failCreate };
    const { confirmedRepair, ...settings } = req;
    const a = this.find(req);
    if (a) {
      // Like the Experiment: an existing account keeps its IMAP user name (never part of a repair).
      const changes = this.diff(a, req);
      if (!changes.length) return { ok: true, accountId: a.accountId, action: "unchanged", changes, imapUsername: a.username };
      const ok = confirmedRepair?.accountId === a.accountId && changes.every((c) => confirmedRepair.fields.includes(c.field));
      if (!ok) return { ok: false, code: "repair-not-confirmed", message: "not confirmed" };
      a.req = structuredClone(settings);
      return { ok: true, accountId: a.accountId, action: "repaired", changes, imapUsername: a.username };
    }
    const accountId = `account${this.next++}`;
    const username = req.imap.username || req.email;
    this.accounts.push({ accountId, req: structuredClone(settings), username, paused: false, held: false });
    return {
      ok: true,
      accountId,
      action: "created",
      changes: [{ field: "account.created", from: null, to: req.email }],
      imapUsername: username,
    };
  }

  async setImapUsername(accountId: string, username: string) {
    this.calls.push("setImapUsername");
    const a = this.accounts.find((x) => x.accountId === accountId);
    if (!a) return { ok: false as const, code: "unknown-account", message: "no such account" };
    const from = a.username;
    a.username = username;
    return { ok: true as const, changed: from !== username, from, to: username };
  }

  async verifyLogon(accountId: string) {
    this.calls.push("verifyLogon");
    const a = this.accounts.find((x) => x.accountId === accountId);
    if (!a) return { ok: false as const, code: "unknown" as VerifyFailure, message: "no such account" };
    this.loggedInAs.push(a.username);
    if (this.refusedUsernames.has(a.username))
      return { ok: false as const, code: "login-refused" as VerifyFailure, message: "the server refused the login (status 0x80004005)" };
    return structuredClone(this.verifyResult);
  }

  async rememberClientCertificate(req: { hosts: string[]; certificateSha256: string }) {
    this.calls.push("rememberClientCertificate");
    if (!this.visibleCerts.has(req.certificateSha256)) return { ok: false as const, code: "client-cert-not-found", message: "not visible" };
    this.remembered.push(structuredClone(req));
    return { ok: true as const, remembered: req.hosts };
  }

  async trustServerCA(pem: string) {
    this.calls.push("trustServerCA");
    if (!pem.includes("BEGIN CERTIFICATE")) return { ok: false as const, code: "invalid-request", message: "not a PEM certificate" };
    const added = !this.trustedCAs.includes(pem);
    if (added) this.trustedCAs.push(pem);
    return { ok: true as const, added, fingerprint: "00".repeat(32) };
  }

  async pauseChecks(accountId: string, paused: boolean) {
    this.calls.push("pauseChecks");
    this.pauseCalls.push({ accountId, paused });
    const a = this.accounts.find((x) => x.accountId === accountId);
    if (!a) return { ok: false as const, code: "unknown-account", message: "no such account" };
    a.paused = paused;
    return { ok: true as const, paused, held: a.held };
  }

  /** holdChecks: like the Experiment, independent of the card-out pause. */
  async holdChecks(accountId: string, held: boolean) {
    this.calls.push("holdChecks");
    const a = this.accounts.find((x) => x.accountId === accountId);
    if (!a) return { ok: false as const, code: "unknown-account", message: "no such account" };
    a.held = held;
    return { ok: true as const, paused: a.paused, held };
  }

  /** Registered OAuth2 providers (PSC), the latest last. */
  providers: OAuthProviderDetails[] = [];

  async registerOAuthProvider(details: OAuthProviderDetails) {
    this.calls.push("registerOAuthProvider");
    this.providers.push(details);
    return { ok: true as const, registered: details.hostnames };
  }
}

/** The host's side of one connectNative port. */
export interface FakeNativeHost {
  /** A message from the host to the extension. */
  send(msg: unknown): void;
  /** The host exits: the port disconnects (with `error`, if given). */
  exit(error?: string): void;
  /** Messages the extension posted. */
  received: unknown[];
  readonly closed: boolean;
}

export interface FakeControls {
  uuid: string;
  storage: Map<string, unknown>;
  mssAccounts: FakeMssAccounts;
  identities: Map<string, { id: string; email: string; name?: string; accountId?: string }>;
  nativeHosts: Map<string, (msg: unknown) => unknown | Promise<unknown>>;
  /** Hosts for runtime.connectNative: called per connection; the returned function runs when the extension disconnects. */
  nativeApps: Map<string, (host: FakeNativeHost) => undefined | (() => void)>;
  /** How many times connectNative was called, per application. */
  nativeConnects: Map<string, number>;
  pkcs11Manifests: Map<string, PkcsManifest>;
  pkcs11Installed: Set<string>;
  composeTabs: Map<number, ComposeDetails>;
  windows: { id: number; url: string }[];
  tabs: { url: string }[];
  notifications: { id: string; title: string; message: string }[];
  badge: { text: string; color: string; title: string; icon: string };
  events: {
    onSearchRequest: FakeEvent<SearchRequestListener>;
    onBeforeSend: FakeEvent<any>;
    onAfterSend: FakeEvent<AfterSendListener>;
    onNotificationClicked: FakeEvent<(id: string) => void>;
    onMessage: FakeEvent<any>;
    onInstalled: FakeEvent<any>;
    onWindowRemoved: FakeEvent<(id: number) => void>;
  };
  /** Thunderbird's autocomplete through the provider book: "Name <email>" lines, as the real popup lists them. */
  autocomplete(text: string): Promise<{ lines: string[]; isCompleteResult: boolean; contacts: ProviderContact[] }>;
  /**
   * Presses Send in compose tab `tabId`: runs onBeforeSend; true when the message would leave. It then
   * fires onAfterSend with `outcome` (default: sent now, no copy listed).
   */
  send(tabId: number, details: ComposeDetails, outcome?: SendInfo): Promise<{ sent: boolean }>;
  closeWindow(id: number): void;
  /** The provider book's registration options, as Thunderbird got them. */
  providerOptions(): { addressBookName: string; isSecure?: boolean; id?: string } | null;
}

function substitute(msg: string, subs?: string | string[]): string {
  const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
  return msg.replace(/\$(\d)/g, (_m, d: string) => list[Number(d) - 1] ?? "");
}

export function createFakeMessenger(): { messenger: Messenger; fake: FakeControls } {
  const onSearchRequest = new FakeEvent<SearchRequestListener>();
  const onBeforeSend = new FakeEvent<any>();
  const onAfterSend = new FakeEvent<AfterSendListener>();
  const onNotificationClicked = new FakeEvent<(id: string) => void>();
  const onMessage = new FakeEvent<any>();
  const onInstalled = new FakeEvent<any>();
  const onWindowRemoved = new FakeEvent<(id: number) => void>();
  let nextWindow = 100;

  const fake: FakeControls = {
    uuid: "0f0e0d0c-0b0a-4909-8807-060504030201",
    storage: new Map(),
    mssAccounts: new FakeMssAccounts(),
    identities: new Map(),
    nativeHosts: new Map(),
    nativeApps: new Map(),
    nativeConnects: new Map(),
    pkcs11Manifests: new Map(),
    pkcs11Installed: new Set(),
    composeTabs: new Map(),
    windows: [],
    tabs: [],
    notifications: [],
    badge: { text: "", color: "", title: "", icon: "" },
    events: { onSearchRequest, onBeforeSend, onAfterSend, onNotificationClicked, onMessage, onInstalled, onWindowRemoved },
    async autocomplete(text) {
      const e = onSearchRequest.entries[0];
      if (!e) throw new Error("no address book provider registered");
      const opts = e.extra[0] as { addressBookName: string; id?: string };
      const r = await e.fn({ id: opts.id ?? "provider", name: opts.addressBookName, type: "addressBook" }, text, null);
      if (!r || !Array.isArray(r.results) || typeof r.isCompleteResult !== "boolean")
        throw new Error("provider returned an invalid answer");
      // Like Thunderbird 153: a result's `vCard` wins; otherwise it is read as a flat property map
      // (anything else is an empty card).
      const contacts = r.results.slice(0, 100).map((c) => (typeof c.vCard === "string" ? readVCard(c.vCard) : c));
      const lines = contacts
        .filter((c) => typeof c.PrimaryEmail === "string" && c.PrimaryEmail)
        .map((c) => (c.DisplayName ? `${c.DisplayName} <${c.PrimaryEmail}>` : c.PrimaryEmail!));
      return { lines, isCompleteResult: r.isCompleteResult, contacts };
    },
    async send(tabId, details, outcome = { mode: "sendNow", headerMessageId: "fake@mss.test", messages: [] }) {
      fake.composeTabs.set(tabId, structuredClone(details));
      for (const { fn } of onBeforeSend.entries) {
        const r = await fn({ id: tabId, type: "messageCompose" }, structuredClone(fake.composeTabs.get(tabId)!));
        if (r?.cancel) return { sent: false };
        if (r?.details) fake.composeTabs.set(tabId, { ...fake.composeTabs.get(tabId)!, ...r.details });
      }
      for (const { fn } of onAfterSend.entries) await fn({ id: tabId, type: "messageCompose" }, structuredClone(outcome));
      return { sent: true };
    },
    closeWindow(id) {
      fake.windows = fake.windows.filter((w) => w.id !== id);
      for (const { fn } of onWindowRemoved.entries) fn(id);
    },
    providerOptions() {
      return (onSearchRequest.entries[0]?.extra[0] as { addressBookName: string; isSecure?: boolean; id?: string }) ?? null;
    },
  };

  const messenger: Messenger = {
    runtime: {
      getURL: (p: string) => `moz-extension://${fake.uuid}/${p.replace(/^\//, "")}`,
      getManifest: () => ({ version: "0.1.0-test", browser_specific_settings: { gecko: { id: ADDON_ID } } }),
      async sendMessage(msg: unknown) {
        for (const { fn } of onMessage.entries) {
          const r = fn(structuredClone(msg), { id: ADDON_ID });
          if (r !== undefined) return structuredClone(await r);
        }
        throw new Error("Could not establish connection. Receiving end does not exist.");
      },
      onMessage,
      onInstalled,
      async sendNativeMessage(app: string, msg: unknown) {
        const h = fake.nativeHosts.get(app);
        if (!h) throw new Error(`No such native application ${app}`);
        return structuredClone(await h(structuredClone(msg)));
      },
      connectNative(app: string): NativePort {
        fake.nativeConnects.set(app, (fake.nativeConnects.get(app) ?? 0) + 1);
        const onPortMessage = new FakeEvent<(msg: unknown) => void>();
        const onDisconnect = new FakeEvent<(p: NativePort) => void>();
        let closed = false;
        let cleanup: (() => void) | undefined;
        const port: NativePort = {
          name: app,
          error: null,
          postMessage(msg: unknown) {
            if (closed) throw new Error("Attempt to postMessage on disconnected port");
            host.received.push(structuredClone(msg));
          },
          disconnect() {
            if (closed) return;
            closed = true;
            cleanup?.();
          },
          onMessage: onPortMessage,
          onDisconnect,
        };
        const host: FakeNativeHost = {
          received: [],
          get closed() {
            return closed;
          },
          send(msg) {
            const copy = structuredClone(msg);
            setTimeout(() => {
              if (!closed) for (const { fn } of onPortMessage.entries) fn(copy);
            }, 0);
          },
          exit(error) {
            if (closed) return;
            closed = true;
            setTimeout(() => {
              port.error = error ? { message: error } : null;
              for (const { fn } of onDisconnect.entries) fn(port);
            }, 0);
          },
        };
        const start = fake.nativeApps.get(app);
        if (!start) host.exit(`No such native application ${app}`);
        else cleanup = start(host);
        return port;
      },
    },
    storage: {
      local: {
        async get(keys?: string | string[] | null) {
          const out: Record<string, unknown> = {};
          const list = keys == null ? [...fake.storage.keys()] : Array.isArray(keys) ? keys : [keys];
          for (const k of list) if (fake.storage.has(k)) out[k] = structuredClone(fake.storage.get(k));
          return out;
        },
        async set(items: Record<string, unknown>) {
          for (const [k, v] of Object.entries(items)) fake.storage.set(k, structuredClone(v));
        },
        async remove(keys: string | string[]) {
          for (const k of Array.isArray(keys) ? keys : [keys]) fake.storage.delete(k);
        },
      },
    },
    i18n: {
      getMessage: (name: string, subs?: string | string[]) => (frMessages[name] ? substitute(frMessages[name]!.message, subs) : ""),
      getUILanguage: () => "fr",
    },
    addressBooks: {
      provider: {
        onSearchRequest: {
          addListener(fn: SearchRequestListener, options?: { addressBookName?: string }) {
            // Thunderbird requires the options object with the book's name.
            if (!options || typeof options.addressBookName !== "string") throw new Error("addressBookName is required");
            onSearchRequest.addListener(fn, options);
          },
          removeListener: (fn: SearchRequestListener) => onSearchRequest.removeListener(fn),
          hasListener: (fn: SearchRequestListener) => onSearchRequest.hasListener(fn),
        },
      },
    },
    compose: {
      onBeforeSend,
      onAfterSend,
      async getComposeDetails(tabId: number) {
        return structuredClone(fake.composeTabs.get(tabId) ?? {});
      },
      async setComposeDetails(tabId: number, details: ComposeDetails) {
        fake.composeTabs.set(tabId, { ...(fake.composeTabs.get(tabId) ?? {}), ...structuredClone(details) });
      },
    },
    identities: {
      async get(id: string) {
        const i = fake.identities.get(id);
        return i ? structuredClone(i) : null;
      },
    },
    pkcs11: {
      async isModuleInstalled(name: string) {
        const mf = fake.pkcs11Manifests.get(name);
        if (!mf?.allowed.includes(ADDON_ID)) throw new Error(`No such PKCS#11 module ${name}`);
        return fake.pkcs11Installed.has(name);
      },
      async installModule(name: string) {
        const mf = fake.pkcs11Manifests.get(name);
        if (!mf?.allowed.includes(ADDON_ID)) throw new Error(`No such PKCS#11 module ${name}`);
        if (!mf.loadable) throw new Error("Could not load the PKCS#11 module");
        fake.pkcs11Installed.add(name);
      },
      async getModuleSlots(name: string) {
        if (!fake.pkcs11Installed.has(name)) throw new Error(`The module ${name} is not loaded`);
        return structuredClone(fake.pkcs11Manifests.get(name)!.slots);
      },
    },
    browserAction: {
      async setBadgeText(d: { text: string }) {
        fake.badge.text = d.text;
      },
      async setBadgeBackgroundColor(d: { color: string }) {
        fake.badge.color = d.color;
      },
      async setTitle(d: { title: string }) {
        fake.badge.title = d.title;
      },
      async setIcon(d: { path: string | Record<string, string> }) {
        fake.badge.icon = typeof d.path === "string" ? d.path : (Object.values(d.path)[0] ?? "");
      },
    },
    notifications: {
      async create(id: string, o: { title: string; message: string }) {
        fake.notifications.push({ id, title: o.title, message: o.message });
        return id;
      },
      onClicked: onNotificationClicked,
    },
    windows: {
      async create(d: { url: string }) {
        const id = nextWindow++;
        fake.windows.push({ id, url: d.url });
        return { id };
      },
      async remove(id: number) {
        fake.closeWindow(id);
      },
      onRemoved: onWindowRemoved,
    },
    tabs: {
      async create(p: { url: string }) {
        fake.tabs.push({ url: p.url });
        return { id: fake.tabs.length };
      },
    },
    mssAccounts: fake.mssAccounts,
  };
  fake.mssAccounts.ownCardModule = (name) => {
    const mf = fake.pkcs11Manifests.get(name);
    if (!mf?.allowed.includes(ADDON_ID)) return "no-manifest";
    if (!fake.pkcs11Installed.has(name)) return null;
    return { name: FAKE_CARD_MODULE_NAME, libName: FAKE_CARD_LIBRARY, tokenPresent: mf.slots.some((x) => x.token) };
  };
  return { messenger, fake };
}

/**
 * The composition root: wires the bridge client, the address book, the compose guard, the card
 * watch, the toolbar status and the pages' message API. Listeners are registered synchronously
 * (Thunderbird requires it for addressBooks.provider and wakes event pages through them).
 */
import { ClientError } from "./client-error.ts";
import { BridgeClient, type BridgeState } from "./bridge-client.ts";
import { createSearchListener, registerAddressBook } from "./addressbook-provider.ts";
import { CardWatch, rememberAccount, type ProvisionedAccount } from "./card-watch.ts";
import { PatientDocuments } from "./compose/attach-patient-document.ts";
import { createBeforeSendListener } from "./compose-guard.ts";
import { GuardDialogs } from "./guard-dialog.ts";
import { log } from "./log.ts";
import { hasReadingApis, type Messenger } from "./messenger-types.ts";
import { extensionOrigin, NativeBridge, type NativeBridgeOptions } from "./native-bridge.ts";
import type { Pairing } from "./pairing-store.ts";
import { checkPageCall, toPageError } from "./page-api.ts";
import { ReadingService } from "./reading/reading-service.ts";
import { hasReceiptsApis } from "./receipts/receipts-apis.ts";
import { ReceiptsService } from "./receipts/receipts-service.ts";
import { NO_SENT_COPY_NOTICE, SentCopyCheck } from "./sent-copy.ts";
import { clearPairingRevoked, isPairingRevoked, loadPairing, markPairingRevoked, savePairing } from "./pairing-store.ts";
import type { WebSocketFactory } from "./rpc-connection.ts";
import { badgeFor, initialStatus, STATUS_KEY, type ExtensionStatus } from "./status.ts";
import { TraceHooks } from "./traces/trace-hooks.ts";
import { TraceJournal } from "./traces/trace-journal.ts";
import { handleTraceMessage } from "./traces/trace-page-api.ts";

export interface BackgroundOptions {
  createSocket: WebSocketFactory;
  /** The native port's backoff (tests shorten it). */
  native?: NativeBridgeOptions;
  /** A test/demo build (scripts/build.mjs with extra test CAs): keeps a test-only trust list as its saved copy. */
  testBuild?: boolean;
}

export interface Background {
  client: BridgeClient;
  status(): ExtensionStatus;
  dialogs: GuardDialogs;
  cardWatch: CardWatch;
  native: NativeBridge;
}

export function startBackground(m: Messenger, opts: BackgroundOptions): Background {
  // The native path first: the bridge Thunderbird started (or a running one) and its per-launch
  // credential, while the native port is open; else the stored pairing (a typed code).
  const native = new NativeBridge(m, opts.native);
  let usingLaunch = false;
  /** The pairing of the connection being made: handed to the parent's search once proved. */
  let pairingInUse: Pairing | null = null;
  const clientName = `mssante-thunderbird/${m.runtime.getManifest().version}`;
  const client = new BridgeClient({
    origin: extensionOrigin(m),
    createSocket: opts.createSocket,
    loadPairing: async () => {
      const p = native.pairing() ?? (await loadPairing(m));
      usingLaunch = p?.via === "launch";
      pairingInUse = p;
      return p;
    },
    clientName,
  });
  // The directory's autocomplete is answered in Thunderbird's parent process, over a connection of
  // its own with the pairing this one has just proved (experiments/mssDirectorySearch: the path
  // through this process was most of a keystroke's wait); through this process while that one is
  // not up. A pairing the bridge no longer accepts closes it.
  client.onState((s) => {
    const parent = m.mssDirectorySearch;
    if (!parent) return;
    const p = pairingInUse;
    if (s.kind === "connected" && p) {
      // The fields the Experiment's schema declares, whatever else an older version stored.
      const pairing: Pairing = {
        port: p.port,
        secret: p.secret,
        pairedAt: p.pairedAt,
        via: p.via,
        ...(p.launchId ? { launchId: p.launchId } : {}),
      };
      void parent
        .connect({ pairing, clientName })
        .then((r) => log("directory.parent-search", r.ok ? { state: r.state } : { code: r.code, message: r.message }))
        .catch(() => undefined);
    } else if (s.kind === "unpaired" || s.kind === "not-the-bridge" || s.kind === "incompatible" || s.kind === "idle") {
      void parent.disconnect().catch(() => undefined);
    }
  });

  let status = initialStatus();
  const publish = () => {
    const badge = badgeFor(status);
    void m.browserAction.setBadgeText({ text: badge.text }).catch(() => undefined);
    void m.browserAction.setBadgeBackgroundColor({ color: badge.color }).catch(() => undefined);
    void m.browserAction.setTitle({ title: m.i18n.getMessage(badge.titleKey) }).catch(() => undefined);
    void m.browserAction.setIcon({ path: `icons/${badge.icon}.svg` }).catch(() => undefined);
    void m.storage.local.set({ [STATUS_KEY]: status }).catch(() => undefined);
    void m.runtime.sendMessage({ kind: "status", status }).catch(() => undefined); // no page open: fine
  };
  const update = (patch: Partial<ExtensionStatus>) => {
    status = { ...status, ...patch, updatedAt: new Date().toISOString() };
    publish();
  };

  const cardWatch = new CardWatch(m, client, update, () => status);
  const dialogs = new GuardDialogs(m);
  const sentCopy = new SentCopyCheck(m);
  const patientDocuments = new PatientDocuments(m);

  // --- listeners, synchronously ---
  registerAddressBook(
    m,
    createSearchListener(client, (name, subs) => m.i18n.getMessage(name, subs)),
  );
  // The recipient fields ask the directory at each keystroke, not after Thunderbird's 200 ms pause
  // (unless an LDAP directory serves autocomplete): experiments/mssComposeFields.
  void m.mssComposeFields
    ?.searchRecipientsAtOnce(true)
    .then((r) => log("compose.search-delay", r.ok ? { applied: r.applied, reason: r.reason } : { code: r.code }))
    .catch(() => undefined);
  m.compose.onBeforeSend.addListener(
    createBeforeSendListener({
      messenger: m,
      bridge: client,
      askUser: dialogs.ask,
      testBuild: opts.testBuild ?? false,
      sentCopy: (tab, details) => sentCopy.beforeSend(tab, details),
      outgoing: (tab, details) => patientDocuments.beforeSend(tab, details),
    }),
  );
  m.compose.onAfterSend.addListener((tab, info) => sentCopy.afterSend(tab, info));
  // "Joindre un document patient" (the compose action's popup): its choices end with the message.
  m.compose.onAfterSend.addListener((tab, info) => {
    if (!info.error && (info.mode === "sendNow" || info.mode === "sendLater")) patientDocuments.forget(tab.id);
  });
  m.runtime.onMessage.addListener((msg: unknown) => patientDocuments.handleMessage(msg));
  // Reading: the sender verdict and the IHE XDM panel of a displayed message (issue 17).
  if (hasReadingApis(m)) new ReadingService(m, client, { testBuild: opts.testBuild ?? false }).start();
  // The functional trace of mailbox actions and the delivery/read reports of sent messages (issue 18).
  const journal = new TraceJournal(m);
  const traces = new TraceHooks(m, journal);
  traces.start();
  journal.start();
  m.runtime.onMessage.addListener((msg: unknown) => handleTraceMessage(journal, msg));
  if (hasReceiptsApis(m)) new ReceiptsService(m, (e) => void traces.receipt(e)).start();
  m.notifications.onClicked.addListener((id) => {
    if (id === NO_SENT_COPY_NOTICE) void m.tabs.create({ url: m.runtime.getURL("pages/setup/setup.html") }).catch(() => undefined);
  });
  m.runtime.onInstalled.addListener((details) => {
    if (details.reason === "install") void m.tabs.create({ url: m.runtime.getURL("pages/setup/setup.html") }).catch(() => undefined);
  });

  // The bridge withdrew our stored pairing (mss-bridge unpair): remembered across restarts, so that
  // only the user's own action stores a pairing again. (The native path stores nothing: it goes on.)
  void isPairingRevoked(m)
    .then((revoked) => {
      if (revoked) update({ pairingRevoked: true });
    })
    .catch(() => undefined);
  const paired = async (p: Pairing, via: "code") => {
    await savePairing(m, p);
    await clearPairingRevoked(m);
    update({ pairingRevoked: false });
    log("pairing.done", { via, port: p.port });
    client.reconnectNow();
  };

  native.onChange((n) => {
    log("native.state", { state: n.kind });
    // A hand-over arrived (connect with it), or the port dropped (its credential is gone: fall back
    // to the stored pairing, if any, until the port is back).
    if (n.kind === "ready" || (n.kind === "down" && usingLaunch)) client.reconnectNow();
  });

  /** The setup page's button: a fresh hand-over from the native host, or why there is none. */
  const pairNativeNow = async (timeoutMs = 15_000): Promise<void> => {
    const settled = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new ClientError("NATIVE_UNAVAILABLE", "no answer from the native host")), timeoutMs);
      const done = (e?: ClientError) => {
        clearTimeout(timer);
        off();
        if (e) reject(e);
        else resolve();
      };
      const off = native.onChange((n) => {
        if (n.kind === "ready") done();
        else if (n.kind === "down") done(new ClientError("NATIVE_UNAVAILABLE", n.reason));
      });
    });
    native.restart();
    await settled;
    await clearPairingRevoked(m);
    update({ pairingRevoked: false });
    log("pairing.done", { via: "native", port: native.state.kind === "ready" ? native.state.port : 0 });
  };

  client.onState((s: BridgeState) => {
    log("bridge.state", { state: s.kind });
    update({ bridge: s });
    if (s.kind === "connected") void cardWatch.refresh();
    if (s.kind === "unpaired" && usingLaunch) {
      // The bridge does not hold the credential the host handed over (it restarted, or the host
      // detached): ask the native port again, after its backoff.
      log("native.credential-refused", { port: s.port });
      native.retryLater("the bridge refused the hand-over's credential");
    } else if (s.kind === "unpaired" && s.bridgeReachable && !s.revoked) {
      // Something on the port says "not paired" without proving the secret (another user's bridge, a
      // squatter, our bridge after `unpair --all` renewed its secret): keep the secret, pair nothing
      // by ourselves; the setup page can pair again.
      log("pairing.unproven-refusal", { port: s.port });
    } else if (s.kind === "unpaired" && s.bridgeReachable) {
      // We held a pairing and the bridge, proving the secret, refused it: revoked. Wait for the user.
      if (!status.pairingRevoked) {
        update({ pairingRevoked: true });
        log("pairing.revoked");
        void markPairingRevoked(m).catch(() => undefined);
      }
    }
  });
  client.onNotification("card.changed", (n) => {
    cardWatch
      .onCardChanged(n)
      .catch((e: unknown) =>
        log("card.changed-failed", { code: e instanceof ClientError ? e.code : e instanceof Error ? e.name : "UNKNOWN" }),
      );
  });

  m.runtime.onMessage.addListener((raw: unknown) => {
    if (!raw || typeof raw !== "object") return;
    const msg = raw as Record<string, unknown>;
    switch (msg.kind) {
      case "status.get":
        return Promise.resolve(status);
      case "bridge.call": {
        const checked = checkPageCall(msg);
        if ("code" in checked) return Promise.resolve({ ok: false, error: checked });
        return client.call(checked.method, checked.params as never, typeof msg.timeoutMs === "number" ? msg.timeoutMs : undefined).then(
          (result) => ({ ok: true, result }),
          (e: unknown) => ({ ok: false, error: toPageError(e) }),
        );
      }
      case "bridge.reconnect":
        client.reconnectNow();
        return Promise.resolve({ ok: true });
      case "pair.native":
        return pairNativeNow().then(
          () => ({ ok: true }),
          (e: unknown) => ({ ok: false, error: toPageError(e) }),
        );
      case "pair.code": {
        if (typeof msg.code !== "string" || msg.code.length > 64)
          return Promise.resolve({ ok: false, error: { code: "INVALID_PARAMS", message: "code" } });
        const port = typeof msg.port === "number" ? msg.port : undefined;
        return client
          .pairWithCode(msg.code, port)
          .then(async (p) => {
            await paired(p, "code");
            return { ok: true };
          })
          .catch((e: unknown) => ({ ok: false, error: toPageError(e) }));
      }
      case "setup.done": {
        const a = msg.account as ProvisionedAccount | undefined;
        if (!a || typeof a.accountId !== "string" || typeof a.email !== "string") return Promise.resolve({ ok: false });
        return rememberAccount(m, a)
          .then(() => (client.connected ? cardWatch.refresh() : undefined))
          .then(() => ({ ok: true }));
      }
      case "guard.get":
      case "guard.choose":
        return Promise.resolve(dialogs.handleMessage(msg));
      default:
        return undefined;
    }
  });

  publish();
  native.start();
  client.start();
  return { client, status: () => status, dialogs, cardWatch, native };
}

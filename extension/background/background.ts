/**
 * The composition root: wires the bridge client, the address book, the compose guard, the card
 * watch, the toolbar status and the pages' message API. Listeners are registered synchronously
 * (Thunderbird requires it for addressBooks.provider and wakes event pages through them).
 */
import { ClientError } from "./client-error.ts";
import { BridgeClient, type BridgeState } from "./bridge-client.ts";
import { createSearchListener, registerAddressBook } from "./addressbook-provider.ts";
import { CardWatch, rememberAccount, type ProvisionedAccount } from "./card-watch.ts";
import { createBeforeSendListener } from "./compose-guard.ts";
import { GuardDialogs } from "./guard-dialog.ts";
import { log } from "./log.ts";
import type { Messenger } from "./messenger-types.ts";
import { extensionOrigin, pairNative } from "./native-pairing.ts";
import type { Pairing } from "./pairing-store.ts";
import { checkPageCall, toPageError } from "./page-api.ts";
import { clearPairingRevoked, isPairingRevoked, loadPairing, markPairingRevoked, savePairing } from "./pairing-store.ts";
import type { WebSocketFactory } from "./rpc-connection.ts";
import { badgeFor, initialStatus, STATUS_KEY, type ExtensionStatus } from "./status.ts";

export interface BackgroundOptions {
  createSocket: WebSocketFactory;
  /** Minimum time between two automatic native pairing attempts. */
  nativeRetryMs?: number;
  /** A test/demo build (scripts/build.mjs with extra test CAs): keeps a test-only trust list as its saved copy. */
  testBuild?: boolean;
}

export interface Background {
  client: BridgeClient;
  status(): ExtensionStatus;
  dialogs: GuardDialogs;
  cardWatch: CardWatch;
}

export function startBackground(m: Messenger, opts: BackgroundOptions): Background {
  const client = new BridgeClient({
    origin: extensionOrigin(m),
    createSocket: opts.createSocket,
    loadPairing: () => loadPairing(m),
    clientName: `mssante-thunderbird/${m.runtime.getManifest().version}`,
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

  // --- listeners, synchronously ---
  registerAddressBook(
    m,
    createSearchListener(client, (name, subs) => m.i18n.getMessage(name, subs)),
  );
  m.compose.onBeforeSend.addListener(
    createBeforeSendListener({ messenger: m, bridge: client, askUser: dialogs.ask, testBuild: opts.testBuild ?? false }),
  );
  m.runtime.onInstalled.addListener((details) => {
    if (details.reason === "install") void m.tabs.create({ url: m.runtime.getURL("pages/setup/setup.html") }).catch(() => undefined);
  });

  // The bridge withdrew our pairing (mss-bridge unpair): remembered across restarts, so that only
  // the user's own action pairs again, never the automatic native pairing.
  let revocation: Promise<void> = isPairingRevoked(m)
    .then((revoked) => {
      if (revoked) update({ pairingRevoked: true });
    })
    .catch(() => undefined);
  const paired = async (p: Pairing, via: "native" | "code") => {
    await savePairing(m, p);
    await clearPairingRevoked(m);
    update({ pairingRevoked: false });
    log("pairing.done", { via, port: p.port });
    client.reconnectNow();
  };

  let lastNativeAttempt = 0;
  /** force: the user asked (setup page). Otherwise only a never-paired installation pairs by itself. */
  const tryNativePairing = async (force: boolean): Promise<void> => {
    if (!force) {
      await revocation;
      if (status.pairingRevoked) return;
    }
    const now = Date.now();
    if (!force && now - lastNativeAttempt < (opts.nativeRetryMs ?? 15_000)) return;
    lastNativeAttempt = now;
    await paired(await pairNative(m), "native");
  };

  client.onState((s: BridgeState) => {
    log("bridge.state", { state: s.kind });
    update({ bridge: s });
    if (s.kind === "connected") void cardWatch.refresh();
    if (s.kind === "unpaired" && s.bridgeReachable && !s.revoked) {
      // Something on the port says "not paired" without proving the secret (another user's bridge, a
      // squatter, our bridge after `unpair --all` renewed its secret): keep the secret, pair nothing
      // by ourselves; the setup page can pair again.
      log("pairing.unproven-refusal", { port: s.port });
    } else if (s.kind === "unpaired" && s.bridgeReachable) {
      // We held a pairing and the bridge, proving the secret, refused it: revoked. Wait for the user.
      if (!status.pairingRevoked) {
        update({ pairingRevoked: true });
        log("pairing.revoked");
        revocation = markPairingRevoked(m).catch(() => undefined);
      }
    } else if (s.kind === "unpaired") {
      tryNativePairing(false).catch((e: unknown) => log("pairing.native-failed", { code: e instanceof ClientError ? e.code : "UNKNOWN" }));
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
        return tryNativePairing(true).then(
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
  client.start();
  return { client, status: () => status, dialogs, cardWatch };
}

/**
 * Everything that touches Thunderbird's privileged globals for this Experiment, typed by hand with
 * only what is used: the address book manager and its search book, cards made from vCards (as
 * Thunderbird's own provider makes them), and a WebSocket opened from the parent process
 * (nsIWebSocketChannel, the channel the DOM WebSocket uses) that presents the extension's origin.
 */
import { extensionCommonOf } from "../../extension-common.ts";
import type { WebSocketFactory, WebSocketLike } from "../../../background/rpc-connection.ts";

interface ExtensionCommonLike {
  ExtensionAPI: new (extension: unknown) => { extension: unknown };
}

/** An address book card, the parts used. */
export interface AbCard {
  directoryUID: string;
}

/** What Thunderbird's autocomplete passes to a book's search. */
export interface SearchListener {
  onSearchFoundCard(card: AbCard): void;
  onSearchFinished(status: number, isCompleteResult: boolean, secInfo: null, location: string): void;
}

/** A book as the address book manager holds it (the JS object itself: its own `search` wins). */
export interface SearchBook {
  UID: string;
  search(query: string | null, searchString: string, listener: SearchListener): unknown;
}

interface WebSocketListener {
  onStart(context: unknown): void;
  onStop(context: unknown, status: number): void;
  onMessageAvailable(context: unknown, message: string): void;
  onBinaryMessageAvailable(context: unknown, message: string): void;
  onAcknowledge(context: unknown, size: number): void;
  onServerClose(context: unknown, code: number, reason: string): void;
  onError?(context: unknown): void;
}

interface WebSocketChannel {
  initLoadInfo(node: null, loading: unknown, triggering: unknown, securityFlags: number, contentPolicyType: number): void;
  asyncOpen(
    uri: unknown,
    origin: string,
    originAttributes: object,
    innerWindowId: number,
    listener: WebSocketListener,
    context: null,
  ): void;
  sendMsg(text: string): void;
  close(code: number, reason: string): void;
}

declare const ChromeUtils: {
  importESModule(url: "resource:///modules/MailServices.sys.mjs"): {
    MailServices: { ab: { getDirectory(uri: string): SearchBook } };
  };
  importESModule(url: "resource:///modules/VCardUtils.sys.mjs"): { VCardUtils: { vCardToAbCard(vCard: string): AbCard } };
};
declare const Cc: Record<string, { createInstance(iface: unknown): WebSocketChannel }>;
declare const Ci: {
  nsIWebSocketChannel: unknown;
  nsILoadInfo: { SEC_ALLOW_CROSS_ORIGIN_SEC_CONTEXT_IS_NULL: number };
  nsIContentPolicy: { TYPE_WEBSOCKET: number };
};
declare const Cr: { NS_OK: number };
declare const Services: { io: { newURI(spec: string): unknown } };

/** The base class of Experiment APIs (and, where typed, its EventManager). */
export const extensionCommon = (): ExtensionCommonLike => extensionCommonOf<ExtensionCommonLike>();

export const NS_OK = (): number => Cr.NS_OK;

/**
 * The search book registered by addressBooks.provider with this id, or null (not registered yet):
 * the JS object itself (the manager hands out its XPCOM wrapper, whose methods cannot be replaced;
 * Thunderbird's autocomplete calls through that wrapper into this object's `search`).
 */
export function searchBook(id: string): SearchBook | null {
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  try {
    const book = MailServices.ab.getDirectory(`searchaddr://${id}`) as SearchBook & { wrappedJSObject?: SearchBook };
    return book.wrappedJSObject ?? null;
  } catch {
    return null;
  }
}

/** A card from a vCard, as Thunderbird's addressBooks.provider makes it. */
export function cardFromVCard(vCard: string, directoryUID: string): AbCard {
  const { VCardUtils } = ChromeUtils.importESModule("resource:///modules/VCardUtils.sys.mjs");
  const card = VCardUtils.vCardToAbCard(vCard);
  card.directoryUID = directoryUID;
  return card;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/**
 * The WebSocket interface the bridge client uses, over a channel opened in this process with the
 * extension's principal and its origin in the Origin header: to the bridge, the same client as the
 * extension's own WebSocket (the proofs are what authenticate it, shared/protocol/proofs.ts).
 */
class ChannelSocket implements WebSocketLike {
  readyState = CONNECTING;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private readonly channel: WebSocketChannel;

  constructor(url: string, origin: string, principal: unknown) {
    this.channel = Cc["@mozilla.org/network/protocol;1?name=ws"]!.createInstance(Ci.nsIWebSocketChannel);
    this.channel.initLoadInfo(
      null,
      principal,
      principal,
      Ci.nsILoadInfo.SEC_ALLOW_CROSS_ORIGIN_SEC_CONTEXT_IS_NULL,
      Ci.nsIContentPolicy.TYPE_WEBSOCKET,
    );
    const closed = (code: number, reason?: string) => {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.onclose?.({ code, reason });
    };
    this.channel.asyncOpen(
      Services.io.newURI(url),
      origin,
      {},
      0,
      {
        onStart: () => {
          this.readyState = OPEN;
          this.onopen?.({});
        },
        onStop: () => closed(1006),
        onMessageAvailable: (_c, message) => this.onmessage?.({ data: message }),
        onBinaryMessageAvailable: () => closed(1003, "binary message"),
        onAcknowledge: () => undefined,
        onServerClose: (_c, code, reason) => closed(code, reason),
        onError: () => this.onerror?.({}),
      },
      null,
    );
  }

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error("the connection is not open");
    this.channel.sendMsg(data);
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === CLOSED) return;
    try {
      this.channel.close(code, reason);
    } catch {
      /* never opened */
    }
    this.readyState = CLOSED;
  }
}

export function channelSocketFactory(origin: string, principal: unknown): WebSocketFactory {
  return (url) => new ChannelSocket(url, origin, principal);
}

/**
 * The mssDirectorySearch Experiment (parent process): the "Annuaire MSSanté" search book answered
 * where Thunderbird's autocomplete runs.
 *
 * Through addressBooks.provider each keystroke's search goes from the parent to the extension's
 * process, whose WebSocket to the bridge passes through the parent's main thread both ways, and
 * the answer comes back to the parent: p50 15–17 ms of a keystroke's 33–39, against 11–12 ms
 * this way (docs/decisions.md, npm run bench:keystrokes). Here the book registered by the provider is asked over a bridge connection
 * opened in this process, authenticated exactly as the extension's own (the same client,
 * bridge-client.ts, the same pairing, the extension's origin; the bridge tells them apart only as
 * two connections), and its answer becomes cards here, as Thunderbird's provider makes them. The
 * extension hands over the pairing once its own connection has proved it; while this connection
 * is not up, the book is answered through the extension as before. Disconnecting, or the add-on's
 * shutdown, gives the book its own search back.
 */
import { ADDRESS_BOOK_ID, createSearchListener } from "../../../background/addressbook-provider.ts";
import { BridgeClient, type BridgeState } from "../../../background/bridge-client.ts";
import { log } from "../../../background/log.ts";
import type { BridgeCaller } from "../../../background/bridge-caller.ts";
import type { SearchRequestListener } from "../../../background/messenger-types.ts";
import type { Pairing } from "../../../background/pairing-store.ts";
import type { MssDirectorySearchApi, ParentSearchResult } from "./api.ts";
import {
  type AbCard,
  cardFromVCard,
  channelSocketFactory,
  extensionCommon,
  NS_OK,
  type SearchBook,
  type SearchListener,
  searchBook,
} from "./privileged.ts";

/** What is used of Thunderbird's Extension object. */
interface ExtensionLike {
  baseURL: string;
  principal: unknown;
  localizeMessage(name: string, substitutions?: string[]): string;
}

type BookSearch = SearchBook["search"];

class ParentSearch {
  private client: BridgeClient | null = null;
  private pairing: Pairing | null = null;
  private patched: { book: SearchBook; search: BookSearch } | null = null;
  private readonly listener: SearchRequestListener;

  constructor(private readonly extension: ExtensionLike) {
    // The same listener as the extension's (addressbook-provider.ts): the same queries, limits,
    // live complement and contacts, over this process's connection.
    const client = () => this.client;
    const caller: BridgeCaller = {
      get connected() {
        return client()?.connected ?? false;
      },
      call: (method, params, timeoutMs) => this.requireClient().call(method, params, timeoutMs),
    };
    this.listener = createSearchListener(caller, (name, subs) =>
      extension.localizeMessage(name, subs === undefined ? [] : Array.isArray(subs) ? subs : [subs]),
    );
  }

  private requireClient(): BridgeClient {
    if (!this.client) throw new Error("no parent connection");
    return this.client;
  }

  get state(): ParentSearchResult {
    return { ok: true, state: !this.client ? "stopped" : this.client.connected ? "connected" : "connecting" };
  }

  connect(pairing: Pairing, clientName: string): ParentSearchResult {
    this.pairing = pairing;
    if (!this.client) {
      const origin = this.extension.baseURL.replace(/\/$/, "");
      const client = new BridgeClient({
        origin,
        createSocket: channelSocketFactory(origin, this.extension.principal),
        loadPairing: async () => this.pairing,
        clientName: `${clientName} (recherche)`,
      });
      let last: BridgeState["kind"] | null = null;
      client.onState((s) => {
        if (s.kind !== last) log("directory.parent-search", { state: s.kind });
        last = s.kind;
      });
      this.client = client;
      client.start();
    } else if (!this.client.connected) {
      this.client.reconnectNow();
    }
    this.patch();
    return this.state;
  }

  disconnect(): ParentSearchResult {
    this.unpatch();
    this.client?.stop();
    this.client = null;
    this.pairing = null;
    return this.state;
  }

  /** The provider's book answers through this connection while it is up (its own search otherwise). */
  private patch(): void {
    const book = searchBook(ADDRESS_BOOK_ID);
    if (!book || this.patched?.book === book) return;
    this.unpatch();
    const own: BookSearch = (query, text, listener) => {
      if (!this.client?.connected) return Object.getPrototypeOf(book).search.call(book, query, text, listener);
      return this.answer(book, text, listener);
    };
    book.search = own;
    this.patched = { book, search: own };
  }

  private unpatch(): void {
    const p = this.patched;
    this.patched = null;
    // Only our own search is taken away: the prototype's (the provider's) is the book's again.
    if (p && p.book.search === p.search) delete (p.book as Partial<SearchBook>).search;
  }

  private async answer(book: SearchBook, text: string, listener: SearchListener): Promise<void> {
    let cards: AbCard[] = [];
    try {
      const { results } = await this.listener(null as never, text, null);
      cards = results.flatMap((r) => (typeof r.vCard === "string" ? [cardFromVCard(r.vCard, book.UID)] : []));
    } catch {
      cards = [];
    }
    for (const card of cards) listener.onSearchFoundCard(card);
    listener.onSearchFinished(NS_OK(), false, null, "");
  }
}

export default class MssDirectorySearchAPI extends extensionCommon().ExtensionAPI {
  private search: ParentSearch | null = null;

  onShutdown(_isAppShutdown: boolean): void {
    this.search?.disconnect();
    this.search = null;
  }

  getAPI(_context: unknown): { mssDirectorySearch: MssDirectorySearchApi } {
    const failed = (e: unknown): ParentSearchResult => ({ ok: false, code: "failed", message: e instanceof Error ? e.message : String(e) });
    const parent = () => {
      this.search ??= new ParentSearch(this.extension as ExtensionLike);
      return this.search;
    };
    return {
      mssDirectorySearch: {
        async connect(config) {
          try {
            return parent().connect(config.pairing, config.clientName);
          } catch (e) {
            return failed(e);
          }
        },
        async disconnect() {
          try {
            return parent().disconnect();
          } catch (e) {
            return failed(e);
          }
        },
      },
    };
  }
}

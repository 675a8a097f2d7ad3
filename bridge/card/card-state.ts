/**
 * The card layer's state machine: watcher messages in, CardLayerState and card.changed events out.
 * Pure (no I/O): the real watcher (PC/SC child process) and the simulated one (demo) both feed it.
 */
import type { CardLayerState, CardUnavailableReason, ReaderState } from "../../shared/domain/card.ts";
import type { CardChanged } from "../services.ts";
import type { CardDatabase, CardEntry } from "./card-database-schema.ts";
import { matchAtr, normalizeAtr, toCardModel } from "./match-atr.ts";
import type { WatcherMessage } from "./watcher-messages.ts";

export type CardEvent = CardChanged["event"];

interface ReaderRecord {
  present: boolean;
  atr: string | null;
  entry: CardEntry | null;
  /** Sequence number of the insertion of the current card (0 when no card). */
  insertion: number;
}

/** The card the token is bound to, with what the service needs to keep the binding honest. */
export interface BoundCard {
  reader: string;
  present: boolean;
  atr: string | null;
  entry: CardEntry | null;
  /** Changes with every insertion: an identity read for one insertion is not valid for the next. */
  insertion: number;
}

export const PCSC_HELP =
  "Start the smart-card service: on Debian/Ubuntu install and start pcscd (apt install pcscd; systemctl start pcscd.socket); on Windows and macOS it is part of the system. Then plug in the reader.";

export class CardStateModel {
  private pcscAvailable = false;
  private pcscMessage: string | null = "The card watcher has not started yet.";
  private downReported = false;
  private readonly readers = new Map<string, ReaderRecord>();
  private bound: string | null;
  private seq = 0;

  constructor(
    private db: CardDatabase,
    /** `--reader NAME`: bind the token to this reader only. */
    private readonly configuredReader: string | null = null,
  ) {
    this.bound = configuredReader;
  }

  setDatabase(db: CardDatabase): void {
    this.db = db;
    for (const r of this.readers.values()) r.entry = r.present ? matchAtr(r.atr, db) : null;
    this.rebind();
  }

  /** Applies one message; returns the notifications it causes (none when nothing changed). */
  apply(msg: WatcherMessage): { event: CardEvent; reader: string | null }[] {
    switch (msg.type) {
      case "pcsc-up":
        if (this.pcscAvailable) return [];
        this.pcscAvailable = true;
        this.pcscMessage = null;
        return [{ event: "pcsc-up", reader: null }];
      case "pcsc-down":
      case "fatal": {
        // One pcsc-down per outage (the reason may change while down: it is updated silently).
        const changed = this.pcscAvailable || !this.downReported || this.readers.size > 0;
        this.downReported = true;
        this.pcscAvailable = false;
        this.pcscMessage = msg.message;
        // Without pcscd nothing can be seen: forget readers and cards (they come back as new events).
        this.readers.clear();
        this.rebind();
        return changed ? [{ event: "pcsc-down", reader: null }] : [];
      }
      case "reader-added":
        if (this.readers.has(msg.reader)) return [];
        this.readers.set(msg.reader, { present: false, atr: null, entry: null, insertion: 0 });
        this.rebind();
        return [{ event: "reader-added", reader: msg.reader }];
      case "reader-removed":
        if (!this.readers.delete(msg.reader)) return [];
        this.rebind();
        return [{ event: "reader-removed", reader: msg.reader }];
      case "card": {
        let r = this.readers.get(msg.reader);
        const events: { event: CardEvent; reader: string | null }[] = [];
        if (!r) {
          r = { present: false, atr: null, entry: null, insertion: 0 };
          this.readers.set(msg.reader, r);
          events.push({ event: "reader-added", reader: msg.reader });
        }
        const atr = msg.present ? (normalizeAtr(msg.atr ?? "") ?? "") : null;
        if (r.present === msg.present && r.atr === atr) return events;
        if (msg.present) {
          // A different ATR without a removal in between is a new card all the same.
          r.present = true;
          r.atr = atr;
          r.entry = matchAtr(atr, this.db);
          r.insertion = ++this.seq;
          events.push({ event: "inserted", reader: msg.reader });
        } else {
          r.present = false;
          r.atr = null;
          r.entry = null;
          r.insertion = 0;
          events.push({ event: "removed", reader: msg.reader });
        }
        this.rebind();
        return events;
      }
      case "settled":
        return [];
    }
  }

  /** Who holds the token: `--reader`, else the reader with a known card (kept while it exists). */
  private rebind(): void {
    if (this.configuredReader) {
      this.bound = this.configuredReader;
      return;
    }
    const cur = this.bound ? this.readers.get(this.bound) : undefined;
    if (cur?.entry) return;
    for (const [name, r] of this.readers) {
      if (r.entry) {
        this.bound = name;
        return;
      }
    }
    if (!cur) this.bound = null;
  }

  boundCard(): BoundCard | null {
    if (!this.bound) return null;
    const r = this.readers.get(this.bound);
    return {
      reader: this.bound,
      present: r?.present ?? false,
      atr: r?.atr ?? null,
      entry: r?.entry ?? null,
      insertion: r?.insertion ?? 0,
    };
  }

  readerNames(): string[] {
    return [...this.readers.keys()];
  }

  isPcscAvailable(): boolean {
    return this.pcscAvailable;
  }

  snapshot(): CardLayerState {
    const readers: ReaderState[] = [...this.readers].map(([name, r]) => ({
      name,
      cardPresent: r.present,
      atr: r.atr,
      model: r.entry ? toCardModel(r.entry) : null,
      unknownCard: r.present && !r.entry,
    }));
    return { pcscAvailable: this.pcscAvailable, readers, boundReader: this.bound, unavailable: this.unavailable(readers) };
  }

  private unavailable(readers: ReaderState[]): CardLayerState["unavailable"] {
    const u = (reason: CardUnavailableReason, message: string) => ({ reason, message });
    if (!this.pcscAvailable)
      return u(
        "pcsc-unavailable",
        `The smart-card service (PC/SC) is not available: ${this.pcscMessage ?? "unknown reason"}. ${PCSC_HELP}`,
      );
    if (readers.length === 0) return u("no-reader", "No card reader is connected. Plug in the card reader.");
    if (this.configuredReader && !this.readers.has(this.configuredReader))
      return u(
        "no-reader",
        `The reader "${this.configuredReader}" chosen with --reader is not connected (connected: ${readers.map((r) => `"${r.name}"`).join(", ")}). Plug it in or change --reader.`,
      );
    const bound = this.boundCard();
    if (bound?.entry) return null;
    const scope = this.configuredReader ? readers.filter((r) => r.name === this.configuredReader) : readers;
    const unknown = scope.find((r) => r.unknownCard);
    if (unknown)
      return u(
        "unknown-card",
        `The card in "${unknown.name}" is not a CPS card the bridge knows (ATR ${unknown.atr}). Insert your CPS card; if it is one, add its ATR to the card database (cardDatabaseFile in config.json).`,
      );
    return u("no-card", `No CPS card in ${this.configuredReader ? `"${this.configuredReader}"` : "the reader"}. Insert your CPS card.`);
  }
}

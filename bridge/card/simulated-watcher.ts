/**
 * A simulated reader and card for the demo (`mss-bridge start --demo`: no pcscd, no real card) and
 * for unit tests of the card service. Clearly labelled: its reader's name says it is simulated.
 * It feeds the same state machine as the real watcher, so everything above it behaves the same.
 */
import { EventEmitter } from "node:events";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { CardChanged } from "../services.ts";
import type { CardDatabase } from "./card-database-schema.ts";
import { CardStateModel, type BoundCard } from "./card-state.ts";
import type { CardStateSource } from "./card-watcher.ts";
import type { WatcherMessage } from "./watcher-messages.ts";

export const SIMULATED_READER = "Simulated reader (demo, no real card)";

export interface SimulatedWatcherOptions {
  db: CardDatabase;
  reader?: string | null;
  /** Reader present from the start (default SIMULATED_READER; null for none). */
  initialReader?: string | null;
  /** ATR of a card present from the start. */
  initialAtr?: string | null;
}

export class SimulatedCardWatcher extends EventEmitter implements CardStateSource {
  private readonly model: CardStateModel;
  private started = false;

  constructor(private readonly opts: SimulatedWatcherOptions) {
    super();
    this.model = new CardStateModel(opts.db, opts.reader ?? null);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.feed({ type: "pcsc-up" });
    const reader = this.opts.initialReader === undefined ? SIMULATED_READER : this.opts.initialReader;
    if (reader) {
      this.feed({ type: "reader-added", reader });
      if (this.opts.initialAtr) this.feed({ type: "card", reader, present: true, atr: this.opts.initialAtr });
    }
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  getState(): CardLayerState {
    return this.model.snapshot();
  }

  boundCard(): BoundCard | null {
    return this.model.boundCard();
  }

  setDatabase(db: CardDatabase): void {
    this.model.setDatabase(db);
  }

  insert(atrHex: string, reader = SIMULATED_READER): void {
    this.feed({ type: "card", reader, present: true, atr: atrHex });
  }

  remove(reader = SIMULATED_READER): void {
    this.feed({ type: "card", reader, present: false, atr: null });
  }

  addReader(reader: string): void {
    this.feed({ type: "reader-added", reader });
  }

  removeReader(reader: string): void {
    this.feed({ type: "reader-removed", reader });
  }

  pcscDown(message = "simulated pcscd stop"): void {
    this.feed({ type: "pcsc-down", message });
  }

  pcscUp(): void {
    this.feed({ type: "pcsc-up" });
  }

  /** Feeds any watcher message (tests). */
  feed(m: WatcherMessage): void {
    const events = this.model.apply(m);
    if (!events.length) return;
    const state = this.model.snapshot();
    for (const e of events) this.emit("changed", { event: e.event, reader: e.reader, state } satisfies CardChanged);
  }
}

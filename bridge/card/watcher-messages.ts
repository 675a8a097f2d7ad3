/**
 * What the PC/SC child process tells its parent (one JSON message per event over the IPC channel).
 * The child only reports; it never connects to a card.
 */
export type WatcherMessage =
  /** pcscd answered: a context is established. */
  | { type: "pcsc-up" }
  /** pcscd is not running or went away; `message` is the library's error. */
  | { type: "pcsc-down"; message: string }
  | { type: "reader-added"; reader: string }
  | { type: "reader-removed"; reader: string }
  /** A card appeared or went away in a reader (already debounced by the child). */
  | { type: "card"; reader: string; present: boolean; atr: string | null }
  /** The initial readers and their cards have all been reported. */
  | { type: "settled" }
  /** The PC/SC library cannot be used at all on this machine (not a transient failure). */
  | { type: "fatal"; message: string };

export function isWatcherMessage(m: unknown): m is WatcherMessage {
  if (m === null || typeof m !== "object") return false;
  const t = (m as { type?: unknown }).type;
  return typeof t === "string" && ["pcsc-up", "pcsc-down", "reader-added", "reader-removed", "card", "settled", "fatal"].includes(t);
}

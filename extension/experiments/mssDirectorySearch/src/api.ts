/**
 * The mssDirectorySearch Experiment's API as the extension calls it (messenger.mssDirectorySearch),
 * checked against schema.json by extension/experiments/mss-directory-search.test.ts.
 */
import type { Pairing } from "../../../background/pairing-store.ts";

export type ParentSearchResult =
  | {
      ok: true;
      /** The parent's connection: "connecting" until it has proved itself, then "connected". */
      state: "connecting" | "connected" | "stopped";
    }
  | { ok: false; code: string; message: string };

export interface MssDirectorySearchApi {
  connect(config: { pairing: Pairing; clientName: string }): Promise<ParentSearchResult>;
  disconnect(): Promise<ParentSearchResult>;
}

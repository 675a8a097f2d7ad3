/**
 * The mssReadReceipts Experiment (parent process): `onAnswered` fires when the GP returns or
 * declines a read receipt in Thunderbird. While the extension listens, Thunderbird's MDN generator
 * contract gives watching generators (watching-generator.ts) that pass every call on to the
 * original; when the last listener goes, or the add-on shuts down, the original is put back.
 */
import type { MssReadReceiptsApi, ReadReceiptAnswer } from "./api.ts";
import { extensionCommon, messageReader, replaceMdnGenerator } from "./privileged.ts";
import { watchingGenerator } from "./watching-generator.ts";

const listeners = new Set<(answer: ReadReceiptAnswer) => void>();
let restore: (() => void) | null = null;

function report(answer: ReadReceiptAnswer): void {
  for (const l of listeners) {
    try {
      l(answer);
    } catch {
      /* one listener's failure is not the others' */
    }
  }
}

function start(): void {
  if (!restore) restore = replaceMdnGenerator((original) => watchingGenerator(original, messageReader, report));
}

function stop(): void {
  const r = restore;
  restore = null;
  try {
    r?.();
  } catch {
    /* Thunderbird is going away */
  }
}

export default class MssReadReceiptsAPI extends extensionCommon().ExtensionAPI {
  onShutdown(_isAppShutdown: boolean): void {
    listeners.clear();
    stop();
  }

  getAPI(context: unknown): { mssReadReceipts: MssReadReceiptsApi } {
    const { EventManager } = extensionCommon();
    return {
      mssReadReceipts: {
        onAnswered: new EventManager({
          context,
          name: "mssReadReceipts.onAnswered",
          register: (fire) => {
            const listener = (answer: ReadReceiptAnswer) => void fire.async(answer);
            listeners.add(listener);
            start();
            return () => {
              listeners.delete(listener);
              if (!listeners.size) stop();
            };
          },
        }).api() as MssReadReceiptsApi["onAnswered"],
      },
    };
  }
}

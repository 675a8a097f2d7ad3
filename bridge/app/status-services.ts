/** The card service alone, for `mss-bridge status` when no bridge runs. */
import type { BridgeConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { CardService } from "../services.ts";
import { createCardService } from "./create-services.ts";

/** Starts the card layer; it resolves once the PC/SC watcher has seen readers and cards (or gave up). */
export async function createServicesForStatus(config: BridgeConfig, dataDir: string, log: Logger): Promise<CardService> {
  return createCardService({ config, dataDir, log });
}

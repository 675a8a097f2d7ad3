/** The card service alone, for `mss-bridge status` when no bridge runs. */
import type { BridgeConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { CardService } from "../services.ts";
import { createCardService } from "./create-services.ts";

/** Gives the card layer a moment to see readers and cards before it is asked. */
const SETTLE_MS = 1500;

export async function createServicesForStatus(config: BridgeConfig, dataDir: string, log: Logger): Promise<CardService> {
  const card = await createCardService({ config, dataDir, log });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return card;
}

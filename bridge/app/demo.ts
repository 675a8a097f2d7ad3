/**
 * The demo bridge (`start --demo`): no root, no pcscd, no real card. It builds once, in the data
 * directory, a SoftHSM token shaped like a CPS (scripts/make-demo-token.ts), simulates a card
 * inserted in a simulated reader (the reader's name says so in every card state), uses a generated
 * small directory (scripts/generate-directory.ts) and the bundled test-only trust list. It never
 * writes into the user's Thunderbird locations: manifests the card layer would write go to a
 * private HOME inside the demo directory, and card.installModuleManifest is refused.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BridgeConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { CardServiceOptions } from "../card/card-service.ts";
import { loadCardDatabase } from "../card/card-database.ts";
import { SimulatedCardWatcher } from "../card/simulated-watcher.ts";
import { makeDemoToken } from "../../scripts/make-demo-token.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";

/** A CPS3 (contact) ATR, as the simulated card presents it. */
export const DEMO_CARD_ATR = "3BAC00402A001225006480000310009000";
export const BUNDLED_TEST_WHITELIST = fileURLToPath(new URL("../trust/fallback-whitelist.xml", import.meta.url));

export interface DemoSetup {
  config: BridgeConfig;
  tokenEnv: Record<string, string>;
  cardExtra: Partial<CardServiceOptions>;
  /** Trust list cache off: the test-only list must never land in a real cache. */
  trustCacheDir: null;
  demoDir: string;
}

export function demoDirOf(dataDir: string): string {
  return path.join(dataDir, "demo");
}

export async function prepareDemo(dataDir: string, config: BridgeConfig, log: Logger): Promise<DemoSetup> {
  const demoDir = demoDirOf(dataDir);
  log.warn("DEMO mode: simulated card on a SoftHSM token, generated directory, test-only trust list");
  let token;
  try {
    token = await makeDemoToken(path.join(demoDir, "token"));
  } catch (e) {
    throw new BridgeError(
      ErrorCode.MODULE_UNAVAILABLE,
      `Could not build the demo card token (${(e as Error).message}). The demo needs softhsm2, opensc and openssl (scripts/setup).`,
    );
  }
  const c = structuredClone(config);
  c.demo = true;
  c.modulePath = token.modulePath;
  c.reader = null;
  c.trust.whitelistSource = BUNDLED_TEST_WHITELIST;
  c.trust.refreshHours = 0;
  const db = loadCardDatabase(c.cardDatabaseFile);
  const watcher = new SimulatedCardWatcher({ db, initialAtr: DEMO_CARD_ATR });
  return {
    config: c,
    tokenEnv: { ...token.env },
    cardExtra: { db, watcher, home: path.join(demoDir, "home"), tokenEnv: { ...token.env } },
    trustCacheDir: null,
    demoDir,
  };
}

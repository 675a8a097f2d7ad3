/**
 * The demo bridge (`start --demo`): no root, no pcscd, no real card. It builds once, in the data
 * directory, a SoftHSM token shaped like a CPS (scripts/make-demo-token.ts), simulates a card
 * inserted in a simulated reader (labelled as such in every card state), uses a generated small
 * directory (scripts/generate-directory.ts) and the bundled test-only trust list. It never writes
 * into the user's Thunderbird locations.
 */
import type { BridgeConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { Services } from "../server/context.ts";

export interface DemoSetup {
  config: BridgeConfig;
  tokenEnv: Record<string, string> | undefined;
  services: Services | undefined;
}

export async function prepareDemo(_dataDir: string, config: BridgeConfig, log: Logger): Promise<DemoSetup> {
  // TODO(integration): token, simulated card, directory and trust list (filled in below once the
  // pieces from the other parts of the bridge exist).
  log.warn("demo mode: simulated card and test-only data");
  return { config: { ...config, demo: true }, tokenEnv: undefined, services: undefined };
}

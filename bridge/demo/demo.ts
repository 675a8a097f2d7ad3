/**
 * The demo bridge (`start --demo`): no root, no pcscd, no real card. It builds once, in the data
 * directory, a SoftHSM token shaped like a CPS (demo-token.ts), simulates a card inserted in a
 * simulated reader (the reader's name says so in every card state), uses a generated small
 * directory (generator/) and the bundled test-only trust list. It never writes into the user's
 * Thunderbird locations: manifests the card layer would write go to a private HOME inside the
 * demo directory, and card.installModuleManifest is refused.
 * Bundled apart (dist/bridge/demo.mjs) and loaded by `start` only with --demo: the generator and
 * the token maker never load in a real bridge.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BridgeConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { CardServiceOptions } from "../card/card-service.ts";
import { loadCardDatabase } from "../card/card-database.ts";
import { SimulatedCardWatcher } from "../card/simulated-watcher.ts";
import { makeDemoToken, DEMO_HOLDER, type DemoToken } from "./demo-token.ts";
import { extractionStamp, writeExtraction, type FixtureEntry } from "./generator/extraction.ts";
import { sourceDateFromName } from "../directory/import/import-extraction.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { FALLBACK_WHITELIST_FILE } from "../trust/whitelist-store.ts";
import { RUNNING_AS_EXECUTABLE } from "../platform/executable.ts";
import { packageText } from "../platform/package-root.ts";

/** A CPS3 (contact) ATR, as the simulated card presents it. */
export const DEMO_CARD_ATR = "3BAC00402A001225006480000310009000";
export const BUNDLED_TEST_WHITELIST = FALLBACK_WHITELIST_FILE;

export interface DemoSetup {
  config: BridgeConfig;
  tokenEnv: Record<string, string>;
  cardExtra: Partial<CardServiceOptions>;
  /** Trust list cache off: the test-only list must never land in a real cache. */
  trustCacheDir: null;
  demoDir: string;
}

/** Mailboxes the demo needs at known places: the demo doctor (found by the card's idNat) and colleagues. */
export const DEMO_DIRECTORY_FIXTURES: FixtureEntry[] = [
  {
    type: "PER",
    email: "camille.demo@medecin.mssante.test",
    idNat: DEMO_HOLDER.idNat,
    surname: DEMO_HOLDER.surname,
    givenName: DEMO_HOLDER.givenName,
    civility: "DR",
    profession: "Médecin",
    specialty: "Médecine générale",
    places: [{ organisation: "Cabinet médical de démonstration", city: "LYON", postalCode: "69003", department: "69" }],
  },
  {
    type: "PER",
    email: "helene.lefevre-durand@hopital-exemple.mssante.test",
    idNat: "810000000017",
    surname: "LEFÈVRE-DURAND",
    givenName: "Hélène",
    civility: "DR",
    profession: "Médecin",
    specialty: "Cardiologie",
    places: [{ organisation: "Hôpital d'exemple", service: "Cardiologie", city: "SAINT-ÉTIENNE", postalCode: "42000", department: "42" }],
  },
  {
    type: "PER",
    email: "amadou.ndiaye@medecin.mssante.test",
    idNat: "810000000025",
    surname: "N'DIAYE",
    givenName: "Amadou",
    civility: "DR",
    profession: "Médecin",
    specialty: "Pneumologie",
    places: [{ organisation: null, city: "VILLEURBANNE", postalCode: "69100", department: "69" }],
  },
  {
    type: "ORG",
    email: "secretariat.cardiologie@hopital-exemple.mssante.test",
    places: [
      {
        organisation: "Hôpital d'exemple",
        service: "Secrétariat de cardiologie",
        city: "SAINT-ÉTIENNE",
        postalCode: "42000",
        department: "42",
      },
    ],
  },
];

/** A demo extraction older than this is made again, so that the demo never shows a stale directory. */
const DEMO_EXTRACTION_MAX_AGE_MS = 24 * 3_600_000;

/**
 * The generated demo extraction, dated when it is made (like the daily publication): reused while it
 * is less than a day old, made again after that (same seed, same entries, a new date).
 */
export async function demoExtraction(dir: string, now: Date = new Date()): Promise<string> {
  if (existsSync(dir)) {
    const f = readdirSync(dir).find((n) => n.endsWith(".txt"));
    const made = f ? Date.parse(sourceDateFromName(f) ?? "") : NaN;
    if (f && now.getTime() - made < DEMO_EXTRACTION_MAX_AGE_MS && made <= now.getTime()) return path.join(dir, f);
    rmSync(dir, { recursive: true, force: true });
  }
  return (await writeExtraction(dir, { lines: 3000, seed: 20261123, fixtures: DEMO_DIRECTORY_FIXTURES, date: extractionStamp(now) })).file;
}

export function demoDirOf(dataDir: string): string {
  return path.join(dataDir, "demo");
}

export async function prepareDemo(dataDir: string, config: BridgeConfig, log: Logger): Promise<DemoSetup> {
  const demoDir = demoDirOf(dataDir);
  log.warn("DEMO mode: simulated card on a SoftHSM token, generated directory, test-only trust list");
  let token: DemoToken;
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
  c.trust.whitelistSource = RUNNING_AS_EXECUTABLE ? writeTestWhitelist(demoDir) : BUNDLED_TEST_WHITELIST;
  c.trust.refreshHours = 0;
  c.directory.source = "offline";
  c.directory.dbPath = path.join(demoDir, "directory");
  c.directory.extractionSource = await demoExtraction(path.join(demoDir, "directory-source"));
  c.directory.refreshHours = 0;
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

/** In the single executable the test-only list is an asset: the demo reads a copy in its folder. */
function writeTestWhitelist(demoDir: string): string {
  const file = path.join(demoDir, "test-whitelist.xml");
  mkdirSync(demoDir, { recursive: true });
  writeFileSync(file, packageText("bridge/trust/fallback-whitelist.xml"));
  return file;
}

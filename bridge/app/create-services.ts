/**
 * Composition root for the services: builds the real card, directory and trust services from the
 * configuration. A service that cannot start is replaced by a stand-in that explains why, so the
 * bridge always starts and serves the rest (e.g. no pcscd: the directory still answers).
 */
import type { BridgeConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { Services } from "../server/context.ts";
import { createCardService as createCardLayer, type CardServiceOptions } from "../card/card-service.ts";
import { createDirectoryService } from "../directory/offline-directory.ts";
import { createFhirGet } from "../directory/live/fhir-client.ts";
import { LiveDirectory } from "../directory/live/live-directory.ts";
import { TrustSpace, trustOptionsFromConfig, type TrustSpaceOptions } from "../trust/trust-service.ts";
import { UnavailableCardService, UnavailableDirectoryService, UnavailableTrustService } from "./fallback-services.ts";

export interface ServiceOptions {
  config: BridgeConfig;
  dataDir: string;
  log: Logger;
  /** Extra environment for the PKCS#11 child (SOFTHSM2_CONF in demo/tests). */
  tokenEnv?: Record<string, string>;
  /** Card-layer options the demo sets (simulated watcher, private HOME for manifests). */
  cardExtra?: Partial<CardServiceOptions>;
  /** Trust-space options over those from the configuration (the demo turns the cache off). */
  trustExtra?: Partial<TrustSpaceOptions>;
}

export async function createServices(opts: ServiceOptions): Promise<Services> {
  const { log } = opts;
  const [card, directory, trust] = await Promise.all([
    createCardService(opts),
    createDirectory(opts).catch((e: Error) => {
      log.warn("directory unavailable", { error: e.message });
      return new UnavailableDirectoryService(`The directory could not start: ${e.message}`);
    }),
    createTrust(opts).catch((e: Error) => {
      log.warn("trust space unavailable", { error: e.message });
      return new UnavailableTrustService(`The trust-space list could not be loaded: ${e.message}`);
    }),
  ]);
  return { card, directory, trust, ...liveDirectory(opts, directory) };
}

/** The FHIR API as a live complement, when an API key is configured (never logged). */
function liveDirectory(opts: ServiceOptions, offline: Services["directory"]): Pick<Services, "live"> {
  const { config, log } = opts;
  const live = config.directory.live;
  if (!live.apiKey) return {};
  try {
    const get = createFhirGet({
      apiKey: live.apiKey,
      baseUrl: live.baseUrl,
      timeoutMs: live.timeoutMs,
      proxy: config.network.proxy,
      extraCaFile: config.network.extraCaFile,
    });
    log.info("live directory: the FHIR Annuaire Santé API is asked when the offline directory finds nothing", {
      api: new URL(live.baseUrl).host,
      requestsPerSecond: live.requestsPerSecond,
    });
    return { live: new LiveDirectory({ config: live, offline, get, log: log.child("live-directory") }) };
  } catch (e) {
    log.warn("live directory unavailable", { error: (e as Error).message });
    return {};
  }
}

/** The card service, or a stand-in saying why there is none. */
export async function createCardService(opts: ServiceOptions): Promise<Services["card"]> {
  return createCard(opts).catch((e: Error) => {
    opts.log.warn("card layer unavailable", { error: e.message });
    return new UnavailableCardService(`The card layer could not start: ${e.message}`);
  });
}

async function createCard(opts: ServiceOptions): Promise<Services["card"]> {
  return createCardLayer(opts.config, {
    dataDir: opts.dataDir,
    ...(opts.tokenEnv ? { tokenEnv: opts.tokenEnv } : {}),
    ...opts.cardExtra,
  });
}

async function createDirectory(opts: ServiceOptions): Promise<Services["directory"]> {
  if (opts.config.directory.source === "ldap") {
    // Loaded only when configured: ldapts and its ASN.1 stack cost the bridge ~6 MB of RSS otherwise.
    const { ldapDirectoryFromConfig } = await import("../directory/ldap/ldap-directory.ts");
    return ldapDirectoryFromConfig(opts.config);
  }
  return createDirectoryService({ config: opts.config, dataDir: opts.dataDir, log: opts.log.child("directory") });
}

async function createTrust(opts: ServiceOptions): Promise<Services["trust"]> {
  const t = new TrustSpace({ ...trustOptionsFromConfig(opts.config, opts.dataDir), logger: opts.log.child("trust"), ...opts.trustExtra });
  // Loading may mean a download: serve the cached copy (or "unknown") meanwhile, never block start.
  void t.start();
  return t;
}

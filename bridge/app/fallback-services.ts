/**
 * Stand-ins used when a service cannot start (its module is missing or failed to load): the bridge
 * still serves everything else and every call says, with a typed error, why that part is missing.
 */
import { EventEmitter } from "node:events";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { CardService, DirectoryService, TrustService } from "../services.ts";

export class UnavailableCardService extends EventEmitter implements CardService {
  constructor(private readonly why: string) {
    super();
  }
  getState(): CardLayerState {
    return { pcscAvailable: false, readers: [], boundReader: null, unavailable: { reason: "pcsc-unavailable", message: this.why } };
  }
  async getIdentity(): Promise<never> {
    throw new BridgeError(ErrorCode.PCSC_UNAVAILABLE, this.why);
  }
  async getPinStatus(): Promise<never> {
    throw new BridgeError(ErrorCode.PCSC_UNAVAILABLE, this.why);
  }
  async getModuleInfo(): Promise<never> {
    throw new BridgeError(ErrorCode.MODULE_UNAVAILABLE, this.why);
  }
  async installModuleManifest(): Promise<never> {
    throw new BridgeError(ErrorCode.INSTALL_FAILED, this.why);
  }
  async close(): Promise<void> {}
}

export class UnavailableDirectoryService implements DirectoryService {
  constructor(private readonly why: string) {}
  async search(): Promise<never> {
    throw new BridgeError(ErrorCode.DIRECTORY_UNAVAILABLE, this.why);
  }
  async lookupByIdNat(): Promise<never> {
    throw new BridgeError(ErrorCode.DIRECTORY_UNAVAILABLE, this.why);
  }
  async lookupByAddress(): Promise<never> {
    throw new BridgeError(ErrorCode.DIRECTORY_UNAVAILABLE, this.why);
  }
  status() {
    return { source: "none" as const, sourceDate: null, builtAt: null, count: 0, ageDays: null, stale: false };
  }
  async importFromConfiguredSource(): Promise<never> {
    throw new BridgeError(ErrorCode.DIRECTORY_UNAVAILABLE, this.why);
  }
  readonly importInProgress = false;
  async close(): Promise<void> {}
}

export class UnavailableTrustService implements TrustService {
  constructor(private readonly why: string) {}
  check(address: string) {
    const at = address.lastIndexOf("@");
    return { address, domain: address.slice(at + 1).toLowerCase(), verdict: "unknown" as const, listDate: null };
  }
  list(): never {
    throw new BridgeError(
      ErrorCode.TRUST_LIST_UNAVAILABLE,
      `${this.why.replace(/\.?$/, ".")} Check trust.whitelistSource in the bridge's configuration, then restart the bridge.`,
    );
  }
  async discover(): Promise<never> {
    throw new BridgeError(ErrorCode.DISCOVERY_FAILED, this.why);
  }
}

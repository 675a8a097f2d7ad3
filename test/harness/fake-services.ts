/**
 * TEST-ONLY in-memory services, for tests whose subject is the server (routing, limits,
 * authentication), not the card, directory or trust parts. Never used by `mss-bridge start`.
 */
import { EventEmitter } from "node:events";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { PinStatus } from "../../shared/domain/identity.ts";
import type { DirectoryEntry } from "../../shared/domain/directory-entry.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { CardChanged, CardService, DirectoryService, ImportProgress, ModuleInfo, TrustService } from "../../bridge/services.ts";
import type { Services } from "../../bridge/server/context.ts";
import { DUPONT_IDENTITY } from "../fixtures/identity.ts";

export const FAKE_ENTRY: DirectoryEntry = {
  email: "jean.dupont@test.mssante.fr",
  displayName: "Dr Jean Dupont",
  surname: "DUPONT",
  givenName: "Jean",
  civility: "Dr",
  profession: "Médecin",
  specialty: "Cardiologie",
  organisation: null,
  service: null,
  city: "LYON",
  postalCode: "69003",
  type: "PER",
  idNat: "810001234567",
  places: [{ organisation: null, city: "LYON", postalCode: "69003" }],
};

export class FakeCardService extends EventEmitter implements CardService {
  state: CardLayerState = {
    pcscAvailable: true,
    readers: [{ name: "Fake reader", cardPresent: true, atr: "3B", model: null, unknownCard: true }],
    boundReader: "Fake reader",
    unavailable: null,
  };
  pin: PinStatus = { state: "ok", pinPad: false };
  /** Delay of getIdentity (to test timeouts and BUSY). */
  identityDelayMs = 0;
  getState() {
    return this.state;
  }
  async getIdentity() {
    if (this.identityDelayMs) await new Promise((r) => setTimeout(r, this.identityDelayMs));
    return DUPONT_IDENTITY;
  }
  async getPinStatus() {
    return this.pin;
  }
  async getModuleInfo(): Promise<ModuleInfo> {
    return { manifestName: "mssante_cps", manifestInstalled: false, moduleAvailable: false, moduleDescription: "fake" };
  }
  async installModuleManifest() {}
  async close() {}
  /** Simulates a card event. */
  emitChanged(event: CardChanged["event"] = "inserted") {
    this.emit("changed", { event, reader: "Fake reader", state: this.state } satisfies CardChanged);
  }
}

export class FakeDirectoryService implements DirectoryService {
  lastQuery: string | null = null;
  async search(query: string) {
    this.lastQuery = query;
    return { results: query ? [FAKE_ENTRY] : [], matchedOtherFields: false, fuzzy: false };
  }
  async lookupByIdNat(idNat: string) {
    return idNat === FAKE_ENTRY.idNat ? [FAKE_ENTRY] : [];
  }
  async lookupByAddress(address: string) {
    return address === FAKE_ENTRY.email ? FAKE_ENTRY : null;
  }
  status() {
    return {
      source: "offline" as const,
      sourceDate: "2026-11-01",
      builtAt: "2026-11-02T00:00:00.000Z",
      count: 1,
      ageDays: 1,
      stale: false,
    };
  }
  importInProgress = false;
  async importFromConfiguredSource(onProgress: (p: ImportProgress) => void) {
    onProgress({ phase: "parse", done: 1, total: 2, message: null });
    onProgress({ phase: "done", done: 2, total: 2, message: null });
  }
  async close() {}
}

export class FakeTrustService implements TrustService {
  check(address: string) {
    const domain = address.slice(address.lastIndexOf("@") + 1);
    return {
      address,
      domain,
      verdict: domain.endsWith("mssante.fr") ? ("trusted" as const) : ("untrusted" as const),
      listDate: "2026-11-01",
    };
  }
  list() {
    return { domains: ["test.mssante.fr"], date: "2026-11-01", testOnly: true };
  }
  async discover(): Promise<never> {
    throw new BridgeError(ErrorCode.DISCOVERY_FAILED, "fake: no discovery");
  }
}

export function fakeServices(): Services & { card: FakeCardService; directory: FakeDirectoryService } {
  return { card: new FakeCardService(), directory: new FakeDirectoryService(), trust: new FakeTrustService() };
}

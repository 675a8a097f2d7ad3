/**
 * The CardService the WebSocket server routes to: the reader/card watcher composed with the
 * PKCS#11 token (bridge/token).
 *
 * Binding rule: the token is bound to its reader (`--reader`, else the reader holding a known
 * card). While that reader reports no card, identity and PIN calls fail with CARD_REMOVED whatever
 * the module says, and pulling the card ends pending token operations with CARD_REMOVED. This is
 * also what makes a SoftHSM test token follow the virtual card in tests and in the demo.
 * The reader's name goes to the token child, which reads the identity and the PIN state from the
 * slot naming that reader (bridge/token/slot-match.ts): with two cards, never the other card's.
 * The identity is read once per card insertion and cached until the card is pulled.
 */
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import os from "node:os";
import { PKCS11_MANIFEST_NAME } from "../../shared/constants.ts";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { CardIdentity, PinStatus } from "../../shared/domain/identity.ts";
import { BridgeError, ErrorCode, type ErrorCodeValue } from "../../shared/protocol/errors.ts";
import type { BridgeConfig } from "../config/config.ts";
import type { CardChanged, CardService, ModuleInfo } from "../services.ts";
import { TokenClient, type BoundReader, type TokenOptions } from "../token/index.ts";
import { loadCardDatabase } from "./card-database.ts";
import type { CardDatabase, CardEntry } from "./card-database-schema.ts";
import type { BoundCard } from "./card-state.ts";
import { CardWatcher, type CardStateSource } from "./card-watcher.ts";
import { pkcs11ManifestInstalled, writePkcs11Manifest } from "./pkcs11-manifest.ts";
import { firstExisting, moduleInstallHint, resolveModuleCandidates, type ModuleCandidate } from "./resolve-module.ts";

/** The part of TokenClient the service uses (tests pass a fake). */
export interface TokenLike {
  /** Both read the token of the card in `reader` (the same slot for both). */
  readIdentity(reader: BoundReader): Promise<CardIdentity>;
  pinStatus(reader: BoundReader): Promise<PinStatus>;
  cancelAll(reason: BridgeError): void;
  close(): Promise<void>;
}

export interface CardServiceOptions {
  /** The card database; default: bundled cards.json merged with `cardDatabaseFile`. */
  db?: CardDatabase;
  /** Config `cardDatabaseFile`: extra entries over the bundled database. */
  cardDatabaseFile?: string | null;
  /** `--module PATH` / config `modulePath`: wins over the card database. */
  modulePath?: string | null;
  /** `--reader NAME` / config `reader`: bind the token to this reader. */
  reader?: string | null;
  /** Per token operation (config limits.cardOperationTimeoutMs). Default 15 s. */
  operationTimeoutMs?: number;
  /** Home whose Thunderbird locations get the pkcs11 manifest (default os.homedir(); the demo passes its private HOME). */
  home?: string;
  /** Windows: directory holding the manifest file (default: the bridge's data directory). */
  dataDir?: string;
  /** Extra environment for the token child (e.g. SOFTHSM2_CONF). */
  tokenEnv?: NodeJS.ProcessEnv;
  /** Extra environment for the PC/SC child (tests: PCSCLITE_CSOCK_NAME). */
  pcscEnv?: NodeJS.ProcessEnv;
  /** How often the PC/SC child retries while pcscd is absent (ms). */
  pcscRetryMs?: number;
  /** A ready-made watcher (the demo's SimulatedCardWatcher); default: a PC/SC CardWatcher. */
  watcher?: CardStateSource;
  /** Token factory (tests); default `new TokenClient(opts)`. */
  createToken?: (opts: TokenOptions) => TokenLike;
  /** Module resolution inputs (tests can run another OS's rules). */
  platform?: NodeJS.Platform;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  fileExists?: (path: string) => boolean;
}

interface Usable {
  bound: BoundCard & { entry: CardEntry };
  module: ModuleCandidate;
  key: string;
  /** The bound reader and the other readers present, for the token child to find the card's slot. */
  reader: BoundReader;
}

const REASON_CODES: Record<string, ErrorCodeValue> = {
  "pcsc-unavailable": ErrorCode.PCSC_UNAVAILABLE,
  "no-reader": ErrorCode.NO_READER,
  "no-card": ErrorCode.CARD_REMOVED,
  "unknown-card": ErrorCode.UNKNOWN_CARD,
  "module-unavailable": ErrorCode.MODULE_UNAVAILABLE,
};

function insertionKey(b: BoundCard): string {
  return `${b.reader}#${b.insertion}`;
}

export class CardLayerService extends EventEmitter implements CardService {
  readonly db: CardDatabase;
  private readonly watcher: CardStateSource;
  private readonly createToken: (opts: TokenOptions) => TokenLike;
  private readonly exists: (p: string) => boolean;
  private token: TokenLike | null = null;
  private tokenModule: string | null = null;
  /** Insertion keys of the token operations in flight. */
  private readonly inFlight = new Map<number, string>();
  private nextOp = 1;
  private identity: { key: string; value: CardIdentity } | null = null;
  private identityRead: { key: string; promise: Promise<CardIdentity> } | null = null;
  private closed = false;
  private readonly onChanged = (c: CardChanged) => this.handleChange(c);

  constructor(private readonly opts: CardServiceOptions = {}) {
    super();
    this.db = opts.db ?? loadCardDatabase(opts.cardDatabaseFile ?? null);
    this.watcher =
      opts.watcher ??
      new CardWatcher({
        db: this.db,
        reader: opts.reader ?? null,
        ...(opts.pcscEnv ? { env: opts.pcscEnv } : {}),
        ...(opts.pcscRetryMs ? { retryMs: opts.pcscRetryMs } : {}),
      });
    this.createToken = opts.createToken ?? ((o) => new TokenClient(o));
    this.exists = opts.fileExists ?? existsSync;
    this.watcher.on("changed", this.onChanged);
  }

  /** Starts watching readers; resolves once the first picture is known. Never rejects. */
  async start(): Promise<void> {
    await this.watcher.start();
  }

  getState(): CardLayerState {
    return this.withModuleCheck(this.watcher.getState());
  }

  async getIdentity(): Promise<CardIdentity> {
    const u = this.usable();
    if (this.identity?.key === u.key) return this.identity.value;
    if (this.identityRead?.key === u.key) return this.identityRead.promise;
    const promise = this.guarded(u, (t) => t.readIdentity(u.reader)).then((value) => {
      if (this.currentKey() === u.key) this.identity = { key: u.key, value };
      return value;
    });
    const entry = { key: u.key, promise };
    this.identityRead = entry;
    const clear = () => {
      if (this.identityRead === entry) this.identityRead = null;
    };
    promise.then(clear, clear);
    return promise;
  }

  async getPinStatus(): Promise<PinStatus> {
    const u = this.usable();
    return this.guarded(u, (t) => t.pinStatus(u.reader));
  }

  async getModuleInfo(): Promise<ModuleInfo> {
    const { found, entry } = this.currentModule();
    const manifestInstalled = pkcs11ManifestInstalled(found?.path ?? null, this.opts.home ?? os.homedir(), this.manifestOpts());
    return {
      manifestName: PKCS11_MANIFEST_NAME,
      manifestInstalled,
      moduleAvailable: found !== null,
      moduleDescription: found ? `${found.moduleName}: ${found.path}` : moduleInstallHint(entry, this.db, this.opts.modulePath ?? null),
    };
  }

  async installModuleManifest(): Promise<void> {
    const { found, entry } = this.currentModule();
    if (!found) {
      throw new BridgeError(ErrorCode.MODULE_UNAVAILABLE, moduleInstallHint(entry, this.db, this.opts.modulePath ?? null));
    }
    try {
      writePkcs11Manifest(found.path, this.opts.home ?? os.homedir(), {
        ...this.manifestOpts(),
        description: `MSSanté: carte CPS / CPS card (${found.moduleName})`,
      });
    } catch (e) {
      throw new BridgeError(
        ErrorCode.INSTALL_FAILED,
        `Could not write the ${PKCS11_MANIFEST_NAME} module manifest for Thunderbird: ${(e as Error).message}. Check the permissions of your home directory.`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher.off("changed", this.onChanged);
    await this.watcher.stop();
    const t = this.token;
    this.token = null;
    await t?.close();
  }

  // ---- binding -------------------------------------------------------------------------------

  private currentKey(): string | null {
    const b = this.watcher.boundCard();
    return b?.present ? insertionKey(b) : null;
  }

  /** The bound card and its module, or the typed error saying why there is none. */
  private usable(): Usable {
    if (this.closed) throw new BridgeError(ErrorCode.TOKEN_ERROR, "The card service is stopped.");
    const state = this.watcher.getState(); // the module check comes below, with its details
    const bound = this.watcher.boundCard();
    if (state.unavailable || !bound?.present || !bound.entry) {
      const reason = state.unavailable?.reason ?? "no-card";
      const message = state.unavailable?.message ?? "No CPS card in the reader. Insert your CPS card.";
      throw new BridgeError(REASON_CODES[reason] ?? ErrorCode.CARD_REMOVED, message, {
        reason,
        ...(bound ? { reader: bound.reader } : {}),
      });
    }
    const module = this.moduleFor(bound.entry);
    if (!module) throw this.moduleError(bound.entry);
    const reader = { name: bound.reader, others: state.readers.map((r) => r.name).filter((n) => n !== bound.reader) };
    return { bound: bound as Usable["bound"], module, key: insertionKey(bound), reader };
  }

  /** Runs a token operation for the bound card; a removal during it makes it CARD_REMOVED. */
  private async guarded<T>(u: Usable, op: (t: TokenLike) => Promise<T>): Promise<T> {
    const token = this.tokenFor(u.module.path);
    const id = this.nextOp++;
    this.inFlight.set(id, u.key);
    try {
      const value = await op(token);
      if (this.currentKey() !== u.key) throw this.removedError(u.bound.reader);
      return value;
    } catch (e) {
      if (this.currentKey() !== u.key) throw this.removedError(u.bound.reader);
      if (e instanceof BridgeError) throw e;
      throw new BridgeError(ErrorCode.TOKEN_ERROR, `The card's token failed: ${(e as Error).message}`);
    } finally {
      this.inFlight.delete(id);
    }
  }

  private handleChange(c: CardChanged): void {
    const key = this.currentKey();
    if (this.identity && this.identity.key !== key) this.identity = null;
    // The card that pending operations talk to is gone: end them now rather than at their timeout.
    const stale = [...this.inFlight.values()].find((k) => k !== key);
    if (this.token && stale !== undefined) this.token.cancelAll(this.removedError(stale.slice(0, stale.lastIndexOf("#"))));
    this.emit("changed", { ...c, state: this.withModuleCheck(c.state as CardLayerState) } satisfies CardChanged);
  }

  private removedError(reader: string): BridgeError {
    return new BridgeError(ErrorCode.CARD_REMOVED, `The card was removed from "${reader}". Insert it again.`, { reader });
  }

  // ---- modules -------------------------------------------------------------------------------

  private tokenFor(modulePath: string): TokenLike {
    if (this.token && this.tokenModule === modulePath) return this.token;
    const old = this.token;
    void old?.close().catch(() => {});
    this.token = this.createToken({
      modulePath,
      timeoutMs: this.opts.operationTimeoutMs ?? 15_000,
      ...(this.opts.tokenEnv ? { env: this.opts.tokenEnv } : {}),
    });
    this.tokenModule = modulePath;
    return this.token;
  }

  private candidates(entry: CardEntry | null): ModuleCandidate[] {
    return resolveModuleCandidates(entry, this.opts.platform ?? process.platform, this.opts.arch ?? process.arch, this.opts.modulePath, {
      db: this.db,
      env: this.opts.env ?? process.env,
      home: this.opts.home ?? os.homedir(),
    });
  }

  private moduleFor(entry: CardEntry | null): ModuleCandidate | null {
    return firstExisting(this.candidates(entry), this.exists);
  }

  /** The module for the bound card, or (no card) for any CPS: what the manifest should point at. */
  private currentModule(): { found: ModuleCandidate | null; entry: CardEntry | null } {
    const b = this.watcher.boundCard();
    const entry = b?.present ? b.entry : null;
    return { found: this.moduleFor(entry), entry };
  }

  private moduleError(entry: CardEntry): BridgeError {
    const looked = this.candidates(entry).map((c) => c.path);
    return new BridgeError(
      ErrorCode.MODULE_UNAVAILABLE,
      `No PKCS#11 module for the ${entry.name} was found on this computer. ${moduleInstallHint(entry, this.db, this.opts.modulePath ?? null)}`,
      { model: entry.id, lookedFor: looked },
    );
  }

  /** A known card whose module is missing is not usable: say so in the state. */
  private withModuleCheck(state: CardLayerState): CardLayerState {
    if (state.unavailable) return state;
    const b = this.watcher.boundCard();
    if (!b?.present || !b.entry || this.moduleFor(b.entry)) return state;
    return {
      ...state,
      unavailable: {
        reason: "module-unavailable",
        message: `No PKCS#11 module for the ${b.entry.name} was found. ${moduleInstallHint(b.entry, this.db, this.opts.modulePath ?? null)}`,
      },
    };
  }

  private manifestOpts() {
    return {
      ...(this.opts.platform ? { platform: this.opts.platform } : {}),
      ...(this.opts.dataDir ? { dataDir: this.opts.dataDir } : {}),
    };
  }
}

/** Options from the bridge's configuration (the server's composition root adds home/dataDir/env). */
export function cardServiceOptionsFromConfig(config: BridgeConfig): CardServiceOptions {
  return {
    modulePath: config.modulePath,
    reader: config.reader,
    cardDatabaseFile: config.cardDatabaseFile,
    operationTimeoutMs: config.limits.cardOperationTimeoutMs,
  };
}

/** Builds and starts the card service. Throws (BridgeError) only for an invalid card database file. */
export async function createCardService(config: BridgeConfig, extra: Partial<CardServiceOptions> = {}): Promise<CardLayerService> {
  const service = new CardLayerService({ ...cardServiceOptionsFromConfig(config), ...extra });
  await service.start();
  return service;
}

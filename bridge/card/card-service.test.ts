/**
 * The binding rule and the identity cache, with the simulated watcher and a FAKE token (pure
 * logic; the same rules against pcscd, the virtual card and SoftHSM are in test/real/).
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CardIdentity, PinStatus } from "../../shared/domain/identity.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { BoundReader, TokenOptions } from "../token/index.ts";
import type { CardChanged } from "../services.ts";
import { loadCardDatabase } from "./card-database.ts";
import { CardLayerService, type TokenLike } from "./card-service.ts";
import { readPkcs11Manifest } from "./pkcs11-manifest.ts";
import { SIMULATED_READER, SimulatedCardWatcher } from "./simulated-watcher.ts";
import { DUPONT_IDENTITY } from "../../test/fixtures/identity.ts";

const db = loadCardDatabase();
const CPS3 = "3BAC00402A001225006480000310009000";
const CPS4 = "3B9B188001001225006480040100009044";
const UNKNOWN = "3BF81300008131FE454A434F5076323431B7";
const MODULE = "/opt/test/module.so";

const identity = (idNat: string): CardIdentity => ({ ...DUPONT_IDENTITY, idNat, idNumber: idNat.slice(1) });

/** A fake token: counts reads, can be made slow, and honours cancelAll like the real one. */
class FakeToken implements TokenLike {
  reads = 0;
  closed = false;
  /** What the "module" says: a fake module keeps answering after the card is pulled, like SoftHSM. */
  idNat = DUPONT_IDENTITY.idNat;
  hold = false;
  /** The reader each call was asked for. */
  readonly readers: { op: "identity" | "pin"; reader: BoundReader }[] = [];
  private waiters: { resolve: (v: CardIdentity) => void; reject: (e: BridgeError) => void }[] = [];
  constructor(readonly opts: TokenOptions) {}
  async readIdentity(reader: BoundReader): Promise<CardIdentity> {
    this.readers.push({ op: "identity", reader });
    this.reads++;
    if (!this.hold) return identity(this.idNat);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
  async pinStatus(reader: BoundReader): Promise<PinStatus> {
    this.readers.push({ op: "pin", reader });
    return { state: "ok", pinPad: false };
  }
  release(): void {
    for (const w of this.waiters.splice(0)) w.resolve(identity(this.idNat));
  }
  cancelAll(reason: BridgeError): void {
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function setup(opts: { reader?: string; exists?: (p: string) => boolean; modulePath?: string | null } = {}) {
  const watcher = new SimulatedCardWatcher({ db, reader: opts.reader ?? null });
  const tokens: FakeToken[] = [];
  const home = mkdtempSync(path.join(os.tmpdir(), "card-svc-"));
  const service = new CardLayerService({
    db,
    watcher,
    reader: opts.reader ?? null,
    modulePath: opts.modulePath === undefined ? MODULE : opts.modulePath,
    home,
    platform: "linux",
    arch: "x64",
    fileExists: opts.exists ?? ((p) => p === MODULE),
    createToken: (o) => {
      const t = new FakeToken(o);
      tokens.push(t);
      return t;
    },
  });
  const events: CardChanged[] = [];
  service.on("changed", (c: CardChanged) => events.push(c));
  await service.start();
  return { watcher, service, tokens, events, home };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return e instanceof BridgeError ? String(e.code) : `not a BridgeError: ${String(e)}`;
  }
}

describe("CardLayerService binding", () => {
  it("reads the identity from the module when the bound reader holds a known card", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    expect((await service.getIdentity()).idNat).toBe("810001234567");
    expect(tokens[0]?.opts).toMatchObject({ modulePath: MODULE, timeoutMs: 15_000 });
    expect(await service.getPinStatus()).toEqual({ state: "ok", pinPad: false });
  });

  it("no card in the bound reader: CARD_REMOVED although the module would still answer", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    await service.getIdentity();
    watcher.remove();
    expect(await code(service.getIdentity())).toBe(String(ErrorCode.CARD_REMOVED));
    expect(await code(service.getPinStatus())).toBe(String(ErrorCode.CARD_REMOVED));
    expect(tokens[0]!.reads).toBe(1);
  });

  it("caches the identity per insertion and reads it again after a re-insertion", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    await service.getIdentity();
    await service.getIdentity();
    expect(tokens[0]!.reads).toBe(1);
    watcher.remove();
    tokens[0]!.idNat = "810009999999"; // another doctor's card
    watcher.insert(CPS3);
    expect((await service.getIdentity()).idNat).toBe("810009999999");
    expect(tokens[0]!.reads).toBe(2);
  });

  it("concurrent identity calls share one read", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    tokens.length = 0;
    const [a, b] = await Promise.all([service.getIdentity(), service.getIdentity()]);
    expect(a).toEqual(b);
    expect(tokens[0]!.reads).toBe(1);
  });

  it("pulling the card cancels the pending token operation with CARD_REMOVED", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    await service.getPinStatus(); // creates the token
    tokens[0]!.hold = true;
    const pending = service.getIdentity();
    await new Promise((r) => setImmediate(r));
    watcher.remove();
    expect(await code(pending)).toBe(String(ErrorCode.CARD_REMOVED));
  });

  it("a read that completes after the card was pulled and put back is not trusted", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    await service.getPinStatus();
    const t = tokens[0]!;
    t.hold = true;
    const pending = service.getIdentity();
    await new Promise((r) => setImmediate(r));
    // Simulate a token that ignores cancelAll: the result arrives for the old insertion.
    t.cancelAll = () => {};
    watcher.remove();
    watcher.insert(CPS3);
    t.release();
    expect(await code(pending)).toBe(String(ErrorCode.CARD_REMOVED));
  });

  it("unknown card → UNKNOWN_CARD; no reader → NO_READER; pcscd down → PCSC_UNAVAILABLE", async () => {
    const { watcher, service } = await setup();
    watcher.insert(UNKNOWN);
    expect(await code(service.getIdentity())).toBe(String(ErrorCode.UNKNOWN_CARD));
    watcher.removeReader(SIMULATED_READER);
    expect(await code(service.getIdentity())).toBe(String(ErrorCode.NO_READER));
    watcher.pcscDown("Service not available");
    expect(await code(service.getPinStatus())).toBe(String(ErrorCode.PCSC_UNAVAILABLE));
  });

  it("--reader: a card in another reader does not make the token present", async () => {
    const { watcher, service } = await setup({ reader: "Bound reader" });
    watcher.addReader("Bound reader");
    watcher.insert(CPS3, SIMULATED_READER);
    expect(await code(service.getIdentity())).toBe(String(ErrorCode.CARD_REMOVED));
    watcher.insert(CPS3, "Bound reader");
    expect((await service.getIdentity()).idNat).toBe("810001234567");
  });

  it("asks the token for the bound reader's card, naming the other readers present", async () => {
    const { watcher, service, tokens } = await setup({ reader: "Bound reader" });
    watcher.addReader("Bound reader");
    watcher.insert(CPS3, SIMULATED_READER); // another card, in another reader
    watcher.insert(CPS3, "Bound reader");
    await service.getIdentity();
    await service.getPinStatus();
    const asked = { name: "Bound reader", others: [SIMULATED_READER] };
    expect(tokens[0]!.readers).toEqual([
      { op: "identity", reader: asked },
      { op: "pin", reader: asked },
    ]);
  });

  it("no module for the model → MODULE_UNAVAILABLE naming Cryptolib CPS, also shown in the state", async () => {
    const { watcher, service, events } = await setup({ modulePath: null, exists: () => false });
    watcher.insert(CPS4);
    const err = await service.getIdentity().catch((e: BridgeError) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe(ErrorCode.MODULE_UNAVAILABLE);
    expect((err as BridgeError).message).toMatch(/Cryptolib CPS/);
    expect((err as BridgeError).data).toMatchObject({ model: "cps4", lookedFor: ["/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so"] });
    expect(service.getState().unavailable?.reason).toBe("module-unavailable");
    expect(events.at(-1)?.state.unavailable?.reason).toBe("module-unavailable");
  });

  it("uses the database's module when it exists (OpenSC for a CPS3 without Cryptolib)", async () => {
    const opensc = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
    const { watcher, service, tokens } = await setup({ modulePath: null, exists: (p) => p === opensc });
    watcher.insert(CPS3);
    await service.getIdentity();
    expect(tokens.at(-1)?.opts.modulePath).toBe(opensc);
  });

  it("re-emits card.changed with the event, the reader and the state", async () => {
    const { watcher, events } = await setup();
    watcher.insert(CPS3);
    watcher.remove();
    expect(events.map((e) => `${e.event}:${e.reader}`)).toEqual([
      "pcsc-up:null",
      `reader-added:${SIMULATED_READER}`,
      `inserted:${SIMULATED_READER}`,
      `removed:${SIMULATED_READER}`,
    ]);
    expect(events[2]?.state.readers[0]).toMatchObject({ cardPresent: true, model: { id: "cps3-contact" } });
  });
});

describe("CardLayerService module manifest", () => {
  it("reports and installs the mssante_cps manifest for the module in use", async () => {
    const { watcher, service, home } = await setup();
    watcher.insert(CPS3);
    expect(await service.getModuleInfo()).toEqual({
      manifestName: "mssante_cps",
      manifestInstalled: false,
      moduleAvailable: true,
      moduleDescription: `the module set with --module: ${MODULE}`,
    });
    await service.installModuleManifest();
    expect(readPkcs11Manifest(home, { platform: "linux" })?.path).toBe(MODULE);
    expect((await service.getModuleInfo()).manifestInstalled).toBe(true);
  });

  it("refuses to install without a module, saying what to install", async () => {
    const { service } = await setup({ modulePath: null, exists: () => false });
    const info = await service.getModuleInfo();
    expect(info).toMatchObject({ moduleAvailable: false, manifestInstalled: false });
    expect(info.moduleDescription).toMatch(/Cryptolib CPS/);
    expect(await code(service.installModuleManifest())).toBe(String(ErrorCode.MODULE_UNAVAILABLE));
  });

  it("close() closes the token", async () => {
    const { watcher, service, tokens } = await setup();
    watcher.insert(CPS3);
    await service.getIdentity();
    await service.close();
    expect(tokens[0]!.closed).toBe(true);
    expect(await code(service.getIdentity())).toBe(String(ErrorCode.TOKEN_ERROR));
  });
});

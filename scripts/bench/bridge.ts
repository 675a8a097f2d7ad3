/**
 * `npm run bench:bridge` — the bridge's latency, measured against the floor in the same run:
 *  (a) card inserted → `card.changed` at an authenticated WebSocket client, vs the raw pcsclite
 *      event in this process, for ≥ 20 insertions of the TypeScript virtual card into a private
 *      pcscd's vpcd reader (pcscd polls the virtual reader every ~400 ms: the raw figure is the
 *      floor; the bridge's cost is the difference);
 *  (b) the card's identity read over the WebSocket (bridge → PKCS#11 child → SoftHSM token) vs the
 *      same read through pkcs11js directly in this process.
 * Options: --quick (3 insertions, few reads: the smoke run of `npm test`), --insertions N, --reads N, --json.
 * Figures are printed, never asserted.
 */
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { buildBridge } from "../build-bridge.mjs";
import { makeDemoToken } from "../make-demo-token.ts";
import { createDirectReader, readIdentityDirect } from "../../bridge/token/direct-read.ts";
import { ATR, VirtualCard } from "../../test/harness/virtual-card.ts";
import { canRunPrivatePcscd, privatePcscd, type PrivatePcscd } from "../../test/harness/pcscd.ts";
import {
  openClient,
  pairWithNativeHost,
  startBridgeProcess,
  tempDataDir,
  TEST_ORIGIN,
  type BridgeProcess,
  type TestClient,
} from "../../test/harness/bridge-process.ts";

/** vpcd ports of this benchmark's private pcscd (private suites use 30000…31999). */
const BENCH_VPCD_PORT = 31993; // below the ephemeral port range, see test/harness/pcscd.ts

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return {
    n: s.length,
    p50: q(0.5),
    p95: q(0.95),
    min: s[0] ?? NaN,
    max: s.at(-1) ?? NaN,
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

export interface BenchOptions {
  insertions: number;
  reads: number;
  log?: (line: string) => void;
}

export interface BenchResult {
  card: { raw: Stats; websocket: Stats; added: Stats; identityAfterInsert: Stats } | { skipped: string };
  identity: { websocketCached: Stats; websocketFirstAfterStart: number; directWarm: Stats; directCold: Stats; mode: "pcscd" | "demo" };
}

interface PcscReader {
  name: string;
  state: number;
  SCARD_STATE_PRESENT: number;
  on(ev: "status", fn: (s: { state: number }) => void): void;
  on(ev: "error", fn: (e: Error) => void): void;
  close(): void;
}

function waitFor<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + timeoutMs;
    const tick = () => {
      const v = get();
      if (v !== undefined) return resolve(v);
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 2);
    };
    tick();
  });
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

export async function runBridgeBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-bridge-"));
  let pcscd: PrivatePcscd | null = null;
  let bridge: BridgeProcess | null = null;
  let client: TestClient | null = null;
  let vcard: VirtualCard | null = null;
  let pcsc: { close(): void } | null = null;
  try {
    const token = await makeDemoToken(path.join(work, "token"));
    const usePcscd = canRunPrivatePcscd();
    let cardResult: BenchResult["card"];
    if (usePcscd) {
      pcscd = privatePcscd({ basePort: BENCH_VPCD_PORT, friendlyName: "Bench PCD" });
      await pcscd.start();
      const reader = pcscd.readerName(0);
      bridge = await startBridgeProcess({
        dataDir: tempDataDir("bench-data-"),
        args: ["--module", token.modulePath, "--reader", reader],
        env: { ...token.env, ...pcscd.env },
      });
    } else {
      log("no root/unshare/pcscd: card latency skipped; identity read measured on the demo bridge");
      bridge = await startBridgeProcess({ dataDir: tempDataDir("bench-data-"), args: ["--demo"] });
    }
    const { secret } = await pairWithNativeHost(bridge, TEST_ORIGIN);
    client = await openClient(bridge.port, TEST_ORIGIN);
    await client.authenticate(secret);
    // Arrival time of every notification, taken as the frame arrives.
    const arrivals: { at: number; method: string; params: any }[] = [];
    client.ws.on("message", (d) => {
      const m = JSON.parse(d.toString());
      if (m.method && m.id === undefined) arrivals.push({ at: performance.now(), method: m.method, params: m.params });
    });

    if (usePcscd && pcscd) {
      const reader = pcscd.readerName(0);
      // The raw pcsclite events, in this process, on the same pcscd.
      process.env.PCSCLITE_CSOCK_NAME = pcscd.env.PCSCLITE_CSOCK_NAME;
      const rawEvents: { at: number; present: boolean }[] = [];
      const lib = createRequire(import.meta.url)("pcsclite") as () => {
        on(ev: "reader", fn: (r: PcscReader) => void): void;
        on(ev: "error", fn: (e: Error) => void): void;
        close(): void;
      };
      const p = lib();
      p.on("error", () => {}); // "Command cancelled" when closed at the end
      pcsc = p;
      p.on("reader", (r) => {
        r.on("error", () => {}); // "RPC transport error" when pcscd stops at the end
        if (r.name !== reader) return;
        r.on("status", (s) => {
          const changed = (r.state ^ s.state) & r.SCARD_STATE_PRESENT;
          if (changed) rawEvents.push({ at: performance.now(), present: (s.state & r.SCARD_STATE_PRESENT) !== 0 });
        });
      });
      vcard = new VirtualCard({ port: BENCH_VPCD_PORT });
      await new Promise((r) => setTimeout(r, 1500)); // both sides see the empty reader first
      const raw: number[] = [];
      const wsLat: number[] = [];
      const added: number[] = [];
      const idAfter: number[] = [];
      for (let i = 0; i < opts.insertions; i++) {
        const rawFrom = rawEvents.length;
        const wsFrom = arrivals.length;
        const ins = await vcard.insert(ATR.CPS3_CONTACT);
        const r = await waitFor(() => rawEvents.slice(rawFrom).find((e) => e.present), 10_000, "the raw insertion event");
        const w = await waitFor(
          () => arrivals.slice(wsFrom).find((a) => a.method === "card.changed" && a.params.event === "inserted"),
          10_000,
          "card.changed inserted",
        );
        raw.push(r.at - ins.at);
        wsLat.push(w.at - ins.at);
        added.push(w.at - r.at);
        const t0 = performance.now();
        await client.call("card.getIdentity");
        idAfter.push(performance.now() - t0);
        const rawRm = rawEvents.length;
        const wsRm = arrivals.length;
        await vcard.remove();
        await waitFor(() => rawEvents.slice(rawRm).find((e) => !e.present), 10_000, "the raw removal event");
        await waitFor(
          () => arrivals.slice(wsRm).find((a) => a.method === "card.changed" && a.params.event === "removed"),
          10_000,
          "card.changed removed",
        );
        await new Promise((res) => setTimeout(res, 50 + Math.random() * 150)); // de-phase from pcscd's polling
        log(`  insertion ${i + 1}/${opts.insertions}: raw ${ms(r.at - ins.at)}, websocket ${ms(w.at - ins.at)}, added ${ms(w.at - r.at)}`);
      }
      cardResult = { raw: stats(raw), websocket: stats(wsLat), added: stats(added), identityAfterInsert: stats(idAfter) };
      const before = arrivals.length;
      await vcard.insert(ATR.CPS3_CONTACT); // leave the card in for (b)
      await waitFor(() => arrivals.slice(before).find((a) => a.params?.event === "inserted"), 10_000, "re-insertion");
    } else {
      cardResult = { skipped: "needs root, unshare, pcscd and the vpcd driver (scripts/setup)" };
    }

    // (b) identity: over the WebSocket, then directly through pkcs11js in this process.
    let t0 = performance.now();
    await client.call("card.getIdentity");
    const first = performance.now() - t0;
    const wsReads: number[] = [];
    for (let i = 0; i < opts.reads; i++) {
      t0 = performance.now();
      await client.call("card.getIdentity");
      wsReads.push(performance.now() - t0);
    }
    const cold: number[] = [];
    for (let i = 0; i < Math.max(2, Math.min(5, opts.reads)); i++) {
      t0 = performance.now();
      await readIdentityDirect(token.modulePath, token.env);
      cold.push(performance.now() - t0);
    }
    const direct = createDirectReader(token.modulePath, token.env);
    const warm: number[] = [];
    try {
      direct.readIdentity(); // warm-up
      for (let i = 0; i < opts.reads; i++) {
        t0 = performance.now();
        direct.readIdentity();
        warm.push(performance.now() - t0);
      }
    } finally {
      direct.close();
    }
    return {
      card: cardResult,
      identity: {
        websocketCached: stats(wsReads),
        websocketFirstAfterStart: first,
        directWarm: stats(warm),
        directCold: stats(cold),
        mode: usePcscd ? "pcscd" : "demo",
      },
    };
  } finally {
    client?.close();
    await vcard?.remove().catch(() => {});
    pcsc?.close();
    await bridge?.stop().catch(() => null);
    await pcscd?.dispose().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatResult(r: BenchResult): string {
  const row = (name: string, s: Stats) =>
    `  ${name.padEnd(48)} p50 ${ms(s.p50).padStart(9)}  p95 ${ms(s.p95).padStart(9)}  (n=${s.n}, min ${ms(s.min)}, max ${ms(s.max)})`;
  const lines = ["Bridge benchmark"];
  if ("skipped" in r.card) lines.push(`  (a) card → notification: skipped (${r.card.skipped})`);
  else {
    lines.push("  (a) card inserted → event (from the virtual card's connection to the reader)");
    lines.push(row("raw pcsclite event (floor, pcscd polling)", r.card.raw));
    lines.push(row("card.changed at the WebSocket client", r.card.websocket));
    lines.push(row("added by the bridge (WebSocket − raw)", r.card.added));
    lines.push(row("identity over the WebSocket, 1st after insert", r.card.identityAfterInsert));
  }
  lines.push(`  (b) identity read (${r.identity.mode})`);
  lines.push(row("over the WebSocket (cached per insertion)", r.identity.websocketCached));
  lines.push(`  ${"first read after start over the WebSocket".padEnd(48)} ${ms(r.identity.websocketFirstAfterStart)}`);
  lines.push(row("pkcs11js direct, module loaded (warm)", r.identity.directWarm));
  lines.push(row("pkcs11js direct, load+init+read+finalize", r.identity.directCold));
  return lines.join("\n");
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  const args = process.argv.slice(2);
  const num = (flag: string, d: number) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const quick = args.includes("--quick");
  const opts: BenchOptions = {
    insertions: num("--insertions", quick ? 3 : 25),
    reads: num("--reads", quick ? 5 : 50),
    log: (l) => process.stderr.write(`${l}\n`),
  };
  // The bridge as it ships: bin/mss-bridge.mjs runs dist/bridge/ when it is up to date.
  buildBridge()
    .then(() => runBridgeBench(opts))
    .then(
      (r) => {
        process.stdout.write(`${args.includes("--json") ? JSON.stringify(r, null, 2) : formatResult(r)}\n`);
        process.exit(0);
      },
      (e) => {
        process.stderr.write(`bench:bridge failed: ${(e as Error).stack ?? e}\n`);
        process.exit(1);
      },
    );
}

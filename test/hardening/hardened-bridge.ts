/**
 * A real `mss-bridge start` process set up for hostile tests: private data directory and HOME, a
 * configuration whose sources are all local (no test ever makes the bridge reach outside the
 * machine: extraction and trust list are files, DNS goes to a dead loopback port), and helpers to
 * pair origins (by code: the stored pairing) and to read everything the bridge wrote.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync, type Stats } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pairWithCode, startBridgeProcess, tempDataDir, type BridgeProcess } from "../harness/bridge-process.ts";

export const BUNDLED_WHITELIST = fileURLToPath(new URL("../../bridge/trust/fallback-whitelist.xml", import.meta.url));

/** Valid extension origins (lower-case UUIDs) for the tests' different roles. */
export const ORIGINS = {
  pre: "moz-extension://aaaaaaaa-0000-4000-8000-000000000001",
  post: "moz-extension://aaaaaaaa-0000-4000-8000-000000000002",
  other: "moz-extension://aaaaaaaa-0000-4000-8000-000000000003",
  unpaired: "moz-extension://bbbbbbbb-0000-4000-8000-0000000000ff",
} as const;

export interface HardenedOptions {
  /** Extra `start` options. */
  args?: string[];
  env?: Record<string, string>;
  /** Merged over the local-only configuration. */
  config?: Record<string, unknown>;
  dataDir?: string;
}

export interface HardenedBridge extends BridgeProcess {
  home: string;
  pair(origin: string): Promise<Uint8Array<ArrayBuffer>>;
  auditLog(): string;
  /** Every text file the bridge wrote in its data directory and HOME (logs, audit, runtime…), concatenated. */
  writtenText(): string;
  alive(): boolean;
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = v && typeof v === "object" && !Array.isArray(v) && a[k] && typeof a[k] === "object" ? deepMerge(a[k], v) : v;
  return out;
}

export function localOnlyConfig(dataDir: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return deepMerge(
    {
      port: 0,
      directory: { extractionSource: path.join(dataDir, "no-such-extraction.zip"), refreshHours: 0 },
      trust: { whitelistSource: BUNDLED_WHITELIST, refreshHours: 0 },
      discovery: { dnsServer: "127.0.0.1:9" },
    },
    over,
  );
}

export async function startHardenedBridge(opts: HardenedOptions = {}): Promise<HardenedBridge> {
  const dataDir = opts.dataDir ?? tempDataDir("mss-hardening-");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dataDir, "config.json"), JSON.stringify(localOnlyConfig(dataDir, opts.config)));
  const home = mkdtempSync(path.join(os.tmpdir(), "mss-hardening-home-"));
  const env = { HOME: home, ...opts.env };
  const b = await startBridgeProcess({ dataDir, args: opts.args ?? [], env, startTimeoutMs: 90_000 });
  return {
    ...b,
    home,
    // The stored pairing (a code): these tests look at the persistent secret's proofs, per origin.
    pair: (origin) => pairWithCode(b, origin),
    auditLog: () => (existsSync(path.join(dataDir, "audit.log")) ? readFileSync(path.join(dataDir, "audit.log"), "utf8") : ""),
    writtenText: () => [dataDir, home].map((d) => readTextTree(d)).join("\n"),
    alive: () => b.proc.exitCode === null && b.proc.signalCode === null,
  };
}

/** Concatenated text of the small files under `dir` (skips the pairing file, sockets, big indexes). */
export function readTextTree(dir: string, skip: (name: string) => boolean = (n) => n === "pairing.json"): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      let st: Stats;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !skip(n) && st.size < 8 * 1024 * 1024) parts.push(`--- ${p}\n${readFileSync(p).toString("latin1")}`);
    }
  };
  walk(dir);
  return parts.join("\n");
}

/** The forms a secret could take in a log: base64, base64url, hex (lower and upper). */
export function secretForms(secret: Uint8Array): string[] {
  const b = Buffer.from(secret);
  return [
    b.toString("base64"),
    b.toString("base64url"),
    b.toString("hex"),
    b.toString("hex").toUpperCase(),
    b.toString("base64").slice(0, 24),
    b.toString("hex").slice(0, 32),
  ];
}

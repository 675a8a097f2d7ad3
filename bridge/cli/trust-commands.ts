/**
 * `mss-bridge trust check <address>` and `mss-bridge discover <address>`: work on the files and DNS
 * directly, with or without a running bridge. Exit codes: 0 ok (trust check: trusted),
 * 1 untrusted, 2 unknown / usage, 3 bad input, 4 I/O (list unreadable, discovery failed).
 * Register on the program with registerTrustCommands(program) after program.exitOverride(), and run
 * it with parseAsync(); the actions set process.exitCode.
 */
import { accessSync, constants as fsConstants } from "node:fs";
import type { Command } from "commander";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { ServerTarget, TrustDecision } from "../../shared/domain/trust.ts";
import { defaultConfig, type BridgeConfig } from "../config/config.ts";
import { dataPaths, resolveDataDir } from "../config/data-dir.ts";
import { loadConfig } from "../config/load-config.ts";
import { cardLogin, createResolver, discoverServers, parseDnsServer, policiesProblem, type SrvResolver } from "../trust/discover.ts";
import { addressDomain, decideTrust } from "../trust/whitelist.ts";
import { isUrlSource, WhitelistStore, type LoadedWhitelist } from "../trust/whitelist-store.ts";

export const EXIT = { OK: 0, UNTRUSTED: 1, UNKNOWN: 2, USAGE: 2, BAD_INPUT: 3, IO: 4 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const stdio: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

function configFor(dataDirFlag: string | undefined): { config: BridgeConfig; dataDir: string } {
  const dataDir = resolveDataDir(dataDirFlag ?? null);
  let config = defaultConfig();
  try {
    config = loadConfig(dataPaths(dataDir).config);
  } catch (e) {
    throw new BridgeError(ErrorCode.INTERNAL_ERROR, (e as Error).message);
  }
  return { config, dataDir };
}

/** The list `trust check` uses: --whitelist FILE, else the bridge's cache, else its configured source. */
async function listForCheck(whitelist: string | undefined, dataDirFlag: string | undefined, io: CliIo): Promise<LoadedWhitelist | null> {
  if (whitelist) {
    try {
      accessSync(whitelist, fsConstants.R_OK);
    } catch (e) {
      throw Object.assign(
        new Error(
          `Cannot read ${whitelist}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Give a readable whitelist file.`,
        ),
        { exit: EXIT.IO },
      );
    }
    try {
      return await new WhitelistStore({ source: whitelist, cacheDir: null }).fetchSource();
    } catch (e) {
      throw Object.assign(new Error((e as Error).message), { exit: EXIT.BAD_INPUT });
    }
  }
  const { config, dataDir } = configFor(dataDirFlag);
  const store = new WhitelistStore({
    source: config.trust.whitelistSource,
    cacheDir: dataPaths(dataDir).trustCache,
    proxy: config.network.proxy,
    extraCaFile: config.network.extraCaFile,
  });
  // A local file source is cheap and authoritative; a URL is only fetched when there is no cache.
  if (!isUrlSource(config.trust.whitelistSource)) {
    try {
      return await store.load();
    } catch (e) {
      io.err((e as Error).message);
      return null;
    }
  }
  const cached = store.readCache();
  if (cached) return cached;
  try {
    return await store.fetchSource();
  } catch (e) {
    io.err((e as Error).message);
    return null;
  }
}

export interface TrustCheckOptions {
  whitelist?: string;
  dataDir?: string;
  json?: boolean;
}

/** `trust check`: returns the exit code; prints the verdict on stdout, details on stderr. */
export async function runTrustCheck(address: string, opts: TrustCheckOptions, io: CliIo = stdio): Promise<number> {
  try {
    addressDomain(address);
  } catch (e) {
    io.err((e as Error).message);
    return EXIT.BAD_INPUT;
  }
  let list: LoadedWhitelist | null;
  try {
    list = await listForCheck(opts.whitelist, opts.dataDir, io);
  } catch (e) {
    io.err((e as Error).message);
    return (e as { exit?: number }).exit ?? EXIT.IO;
  }
  const d: TrustDecision = decideTrust(address, list ? { domains: list.domainSet, date: list.list.date } : null);
  if (opts.json) io.out(JSON.stringify({ ...d, testOnly: list?.list.testOnly ?? false }));
  else io.out(d.verdict);
  if (list) {
    io.err(
      `${d.domain}: ${d.verdict} (trust-space list of ${d.listDate ?? "unknown date"}, ${list.list.domains.length} domains${list.list.testOnly ? ", TEST-ONLY list" : ""}${list.fromCache ? ", cached copy" : ""})`,
    );
  } else {
    io.err(`${d.domain}: unknown: no trust-space list is available. Run the bridge once with network access, or pass --whitelist FILE.`);
  }
  return d.verdict === "trusted" ? EXIT.OK : d.verdict === "untrusted" ? EXIT.UNTRUSTED : EXIT.UNKNOWN;
}

export interface DiscoverCliOptions {
  dnsServer?: string;
  dataDir?: string;
  json?: boolean;
}

function describeTarget(t: ServerTarget, chosen: boolean): string {
  return [
    chosen ? "*" : " ",
    t.service.padEnd(10),
    `${t.host}:${t.port}`.padEnd(40),
    `prio ${t.priority} weight ${t.weight}`.padEnd(20),
    t.front.padEnd(11),
    t.source.padEnd(8),
    t.confirmed ? "confirmed" : "UNCONFIRMED (outside the domain and the trust space: check with the operator)",
  ].join(" ");
}

/** `discover`: returns the exit code; prints the targets (JSON list with --json). */
export async function runDiscover(address: string, opts: DiscoverCliOptions, io: CliIo = stdio): Promise<number> {
  let domain: string;
  try {
    domain = addressDomain(address);
  } catch (e) {
    io.err((e as Error).message);
    return EXIT.BAD_INPUT;
  }
  let config: BridgeConfig;
  let dataDir: string;
  try {
    ({ config, dataDir } = configFor(opts.dataDir));
  } catch (e) {
    io.err((e as Error).message);
    return EXIT.IO;
  }
  const problem = policiesProblem(config.discovery.policies);
  if (problem) {
    io.err(`${problem}: fix config.json in the bridge's data directory.`);
    return EXIT.IO;
  }
  const dnsServer = opts.dnsServer ?? config.discovery.dnsServer;
  let resolver: SrvResolver;
  try {
    if (dnsServer) parseDnsServer(dnsServer);
    resolver = createResolver(dnsServer ?? null);
  } catch (e) {
    io.err(`--dns-server: ${(e as Error).message}`);
    return EXIT.USAGE;
  }
  // Trust-space domains confirm off-domain targets; the cached list is enough (no download here).
  const cached = new WhitelistStore({ source: config.trust.whitelistSource, cacheDir: dataPaths(dataDir).trustCache }).readCache();
  let targets: ServerTarget[];
  try {
    targets = await discoverServers(address, {
      resolver,
      overrides: config.discovery.overrides,
      trustedDomains: cached?.domainSet ?? new Set(),
    });
  } catch (e) {
    // The bridge's message does not name the domain (it never echoes a client's input); here the
    // person typed it, so it is named for them.
    io.err(`${domain}: ${(e as Error).message}`);
    return e instanceof BridgeError && e.code === ErrorCode.INVALID_ADDRESS ? EXIT.BAD_INPUT : EXIT.IO;
  }
  if (opts.json) {
    io.out(
      JSON.stringify(
        targets.map(({ service, host, port, priority, weight, front, source, confirmed }) => ({
          service,
          host,
          port,
          priority,
          weight,
          front,
          source,
          confirmed,
        })),
      ),
    );
  } else {
    // The same choice the running bridge sends the extension (discovery.discover's cardLogin).
    const chosen = cardLogin(targets, config.discovery.policies, domain);
    for (const t of targets) io.out(describeTarget(t, t === chosen.imap || t === chosen.submission));
    io.err(
      `* = used for a card login (front "${chosen.front}", Thunderbird IMAP auth method ${chosen.imapAuthMethod}, SMTP ${chosen.smtpAuthMethod})${cached ? "" : `; no cached trust-space list, so only hosts in ${domain} are confirmed`}`,
    );
  }
  return EXIT.OK;
}

/** Registers `trust check` and `discover` on the program (bridge/cli.ts). Use program.parseAsync(). */
export function registerTrustCommands(program: Command, io: CliIo = stdio): void {
  // Usage errors (unknown option, missing argument): the commands inherit the program's
  // exitOverride (bridge/cli.ts maps them to exit 2), as commander copies it to subcommands.
  const trust = program.command("trust").description("the MSSanté trust space (whitelist of operator domains)");
  trust
    .command("check")
    .description("is this address inside the trust space? prints trusted/untrusted/unknown, exits 0/1/2")
    .argument("<address>", "e-mail address")
    .option("--whitelist <file>", "use this whitelist XML file instead of the bridge's list")
    .option("--data-dir <dir>", "the bridge's data directory (config, cached list)")
    .option("--json", "print the decision as JSON")
    .action(async (address: string, opts: TrustCheckOptions) => {
      process.exitCode = await runTrustCheck(address, opts, io);
    });
  program
    .command("discover")
    .description("find an address's IMAP and submission servers (DNS SRV, then the override table)")
    .argument("<address>", "e-mail address")
    .option("--dns-server <host:port>", "ask this DNS server (e.g. 127.0.0.1:5353) instead of the system's")
    .option("--data-dir <dir>", "the bridge's data directory (config: overrides, policies)")
    .option("--json", "print a JSON list of {service, host, port, priority, weight, front, source, confirmed}")
    .action(async (address: string, opts: DiscoverCliOptions) => {
      process.exitCode = await runDiscover(address, opts, io);
    });
}

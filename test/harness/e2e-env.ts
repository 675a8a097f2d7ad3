/**
 * The whole end-to-end environment of issue #5 (and the base of #6 and `npm run demo`), private to
 * one run and torn down by stop():
 *
 *   test PKI ─ SoftHSM2 token shaped like a CPS3 (PSS off) holding the doctor's key
 *   pcscd (the run's, from global-setup) + virtual reader "Virtual PCD 00 01" + virtual CPS3 card
 *   dnsmasq: _imap._tcp / _submission._tcp SRV for mssante.test
 *            priority 10 → the Pro Santé Connect front (imap.psc / smtp.psc, nothing listens there)
 *            priority 20 → the certificate front (imap.cert / smtp.cert = our Dovecot / Postfix)
 *   Dovecot (IMAP STARTTLS, client cert, SASL EXTERNAL, TLS 1.2) + Postfix (permit_tls_clientcerts)
 *   directory generated with fixtures (the doctor, colleagues with accents and compound names, an
 *            ORG mailbox), imported into the bridge's data directory; trust list for *.mssante.test
 *   the bridge: `mss-bridge install` (manifests into the private HOME); by default nothing more —
 *            Thunderbird starts the bridge through the native-messaging host, as on a GP's PC
 *            (`bridge: "service"`: `mss-bridge start` as well, and the host only attaches to it)
 *   Thunderbird 153 (headless or on a display), fresh profile, the extension built with the test
 *            CA as an extra trusted IGC-Santé CA, and the test driver.
 *
 * Every piece is reachable from the returned object, so tests can assert on logs (Dovecot, Postfix),
 * pull the card (card.remove() + token.removeToken()), stop the bridge, etc.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADDON_ID } from "../../shared/constants.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";
import { startDovecot, type Dovecot } from "./dovecot.ts";
import { startPostfix, type Postfix } from "./postfix.ts";
import { startPscProvider, type PscProvider } from "./oidc-provider.ts";
import { startDnsmasq, type Dnsmasq } from "./dnsmasq.ts";
import { ATR, VirtualCard, vpcdReaderName, VPCD_DEFAULT_PORT } from "./virtual-card.ts";
import { runBridgeCli, startBridgeProcess, type BridgeProcess } from "./bridge-process.ts";
import { readRuntimeFile, type RuntimeInfo } from "../../bridge/app/runtime-file.ts";
import { startThunderbird, type Thunderbird, type ThunderbirdOptions } from "./thunderbird.ts";
import { run } from "./e2e-process.ts";
import { extractionStamp, writeExtraction, type FixtureEntry } from "../../scripts/generate-directory.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * MSS_E2E_PACKAGED=1 (`npm run test:package`, CI): the suite runs against the installed .deb — no
 * `mss-bridge install`; Thunderbird finds the package's system-wide native-messaging manifest and
 * starts /usr/lib/mss-bridge/mss-bridge with the user's default data directory; the harness's own
 * commands run the installed executable (MSS_BRIDGE_EXECUTABLE). The card's module is the user's
 * config.json `modulePath` (the test token), which the setup page writes as the per-user PKCS#11
 * manifest Thunderbird reads before the package's (Cryptolib CPS, absent here).
 */
export const PACKAGED = process.env.MSS_E2E_PACKAGED === "1";
export const SYSTEM_NATIVE_MANIFEST = "/usr/lib/mozilla/native-messaging-hosts/mssante_bridge.json";

/** The bridge's data directory for a HOME: a private one per run, or the OS's default (packaged). */
export function e2eDataDir(home: string, fallback: string): string {
  return PACKAGED ? path.join(home, ".local", "share", "mss-bridge") : fallback;
}

export const E2E_DOMAIN = "mssante.test";
export const HOSTS = {
  imapCert: `imap.cert.${E2E_DOMAIN}`,
  smtpCert: `smtp.cert.${E2E_DOMAIN}`,
  imapPsc: `imap.psc.${E2E_DOMAIN}`,
  smtpPsc: `smtp.psc.${E2E_DOMAIN}`,
} as const;

export const DOCTOR = {
  idNat: "810001234567",
  surname: "DUPONT",
  givenName: "JEAN",
  profession: "Médecin",
  address: `jean.dupont@${E2E_DOMAIN}`,
} as const;

/** Directory fixtures: the doctor, colleagues with accents and compound names, an ORG mailbox. */
export const COLLEAGUES = [
  {
    idNat: "810009876543",
    surname: "LEFÈVRE-MOREAU",
    givenName: "HÉLÈNE",
    profession: "Médecin",
    specialty: "Cardiologie",
    city: "LYON",
    address: `helene.lefevre-moreau@${E2E_DOMAIN}`,
  },
  {
    idNat: "810005551234",
    surname: "N'DIAYE",
    givenName: "FRANÇOIS-XAVIER",
    profession: "Médecin",
    specialty: "Pédiatrie",
    city: "SAINT-ÉTIENNE",
    address: `fx.ndiaye@${E2E_DOMAIN}`,
  },
  {
    idNat: "810007770001",
    surname: "DE LA ROCHE-AYMON",
    givenName: "ANNE-SOPHIE",
    profession: "Pharmacien",
    specialty: null,
    city: "CLERMONT-FERRAND",
    address: `as.delaroche@${E2E_DOMAIN}`,
  },
] as const;
export const ORG_MAILBOX = { address: `secretariat.cardiologie@${E2E_DOMAIN}`, organisation: "CENTRE HOSPITALIER DE TEST" } as const;

export const TRUSTED_DOMAINS = [E2E_DOMAIN, `cert.${E2E_DOMAIN}`, `psc.${E2E_DOMAIN}`];

export interface E2EEnvOptions {
  /** Start Thunderbird (default true). */
  thunderbird?: boolean;
  /** Options passed on to startThunderbird (display for a visible window, extra prefs, …). */
  thunderbirdOptions?: Partial<ThunderbirdOptions>;
  /** Use this .xpi instead of building one (it must trust the test CA itself). */
  extensionXpi?: string;
  /** vpcd port of the reader used (default the second slot, "Virtual PCD 00 01"). */
  vpcdPort?: number;
  /** Directory size around the fixtures (default 300 lines). */
  directoryLines?: number;
  /** Which certificate the card holds: the doctor's from the test CA (default) or the same subject from a foreign CA. */
  cardCertificate?: "doctor" | "foreign";
  /**
   * How Dovecot treats the SASL EXTERNAL authorisation id (test/harness/dovecot.ts): "authorised"
   * (default: a master passdb accepts the doctor's address for his card) or "certificate-only" (a
   * standard Dovecot: the certificate's user only, no master passdb). `debug` adds auth_debug.
   * `cardUserKnown: false`: the card's idNat is no user of the server, so it refuses every login
   * with the card (with "certificate-only", the address as "Master user login attempted without
   * master passdbs"); mail to the address is still delivered.
   */
  dovecot?: { loginNames?: "authorised" | "certificate-only"; debug?: boolean; cardUserKnown?: boolean };
  /**
   * Register the card's PKCS#11 library in the profile before Thunderbird starts, under this name
   * and through a symbolic link (another path to the same file), as an administrator who preloaded
   * Cryptolib CPS with policies or modutil would.
   */
  preloadCardModuleAs?: string;
  /** The bridge's `discovery.policies` (default: none configured, the bridge's default policy). */
  discoveryPolicies?: unknown[];
  /**
   * "thunderbird" (default): no `mss-bridge start`; Thunderbird's native-messaging host starts the
   * bridge and it stops when Thunderbird quits. "service": `mss-bridge start` runs it (`env.bridge`)
   * for tests that stop or restart it themselves, and the host only attaches to it
   * (`nativeHost.startsBridge: false`, so a host never starts a bridge of its own meanwhile).
   */
  bridge?: "thunderbird" | "service";
  /** Log what starts, with timings (default: only when MSS_E2E_VERBOSE=1). */
  log?: (line: string) => void;
  /**
   * The Pro Santé Connect front as well: the test PSC (test/harness/oidc-provider.ts), a Dovecot
   * taking XOAUTH2 with its tokens and a Postfix submitting through that Dovecot, on the PSC hosts
   * of the SRV records (priority 10); the bridge's policy for the domain says `login: "psc"` and
   * its `psc` configuration names this provider (preset "custom"). `accessTokenTtl` in seconds.
   */
  psc?: { accessTokenTtl?: number };
  /**
   * More mailboxes on the certificate front's Dovecot, with no login (mail is delivered to them):
   * e.g. a patient's `<INS>@patient.mssante.fr`, as if Mon espace santé were behind the same store.
   * Any other address at that domain is refused at delivery (LMTP 550 5.1.1, Postfix's bounce).
   */
  extraMailboxes?: string[];
}

/** The PSC front's parts (E2EEnvOptions.psc). */
export interface PscFront {
  readonly provider: PscProvider;
  readonly dovecot: Dovecot;
  readonly postfix: Postfix;
}

export interface E2EEnv {
  readonly root: string;
  /** The private HOME shared by `mss-bridge install`, the bridge and Thunderbird. */
  readonly home: string;
  readonly pki: TestPki;
  readonly token: SoftHsmToken;
  readonly card: VirtualCard;
  readonly readerName: string;
  readonly dns: Dnsmasq;
  readonly dovecot: Dovecot;
  readonly postfix: Postfix;
  /** The Pro Santé Connect front, with E2EEnvOptions.psc; null otherwise. */
  readonly psc: PscFront | null;
  /** The service bridge (`bridge: "service"`); null when Thunderbird starts the bridge. */
  readonly bridge: BridgeProcess | null;
  readonly bridgeDataDir: string;
  /** The running bridge of the data directory as its runtime file says (whoever started it), or null. */
  runningBridge(): RuntimeInfo | null;
  readonly extensionXpi: string;
  /** Null when started with thunderbird: false. */
  readonly tb: Thunderbird | null;
  /** moz-extension://<uuid> of the MSSanté extension in that Thunderbird. */
  readonly extensionOrigin: string;
  /** Seconds each part took to start, for the suite's timing report. */
  readonly timings: Record<string, number>;
  /** Pulls the card: the virtual card leaves the reader and the token's objects disappear. */
  pullCard(): Promise<void>;
  /** Re-inserts the card (token objects back, virtual card in the reader). */
  insertCard(): Promise<void>;
  stop(): Promise<void>;
}

function whitelistXml(domains: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- TEST ONLY: the end-to-end run's trust space (fictitious .test domains). -->
<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema" testOnly="true" date="${new Date().toISOString().slice(0, 19)}Z">
${domains.map((d) => `  <Domaine><Nom>${d}</Nom></Domaine>`).join("\n")}
</ListeBlanche>
`;
}

/** The e2e directory: this many generated lines (by default) around the fixtures, from this seed. */
export const E2E_DIRECTORY = { lines: 300, seed: 5 } as const;

/** The mailboxes placed in the e2e directory (also checked by test/real/directory-ranking.test.ts). */
export function directoryFixtures(): FixtureEntry[] {
  return [
    {
      type: "PER",
      email: DOCTOR.address,
      idNat: DOCTOR.idNat,
      surname: DOCTOR.surname,
      givenName: DOCTOR.givenName,
      civility: "DR",
      profession: "Médecin",
      professionCode: "10",
      specialty: "Médecine générale",
      places: [{ organisation: "CABINET DU DR DUPONT", city: "LYON", postalCode: "69003", department: "69" }],
    },
    ...COLLEAGUES.map((c) => ({
      type: "PER" as const,
      email: c.address,
      idNat: c.idNat,
      surname: c.surname,
      givenName: c.givenName,
      civility: "DR",
      profession: c.profession,
      specialty: c.specialty,
      places: [{ city: c.city }],
    })),
    {
      type: "ORG",
      email: ORG_MAILBOX.address,
      places: [{ organisation: ORG_MAILBOX.organisation, service: "SECRETARIAT DE CARDIOLOGIE", city: "LYON" }],
    },
  ];
}

/** Builds the extension into `outDir` with the test CA added to its trusted IGC-Santé set. */
export async function buildExtensionForTests(outDir: string, caPemFile: string): Promise<string> {
  const caDir = path.join(outDir, "extra-ca");
  mkdirSync(caDir, { recursive: true });
  writeFileSync(path.join(caDir, "test-igc-sante-ca.pem"), readFileSync(caPemFile));
  await run(process.execPath, [path.join(REPO_ROOT, "scripts", "build.mjs"), "--out", outDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, MSS_EXTRA_CA_DIR: caDir },
  });
  const xpi = path.join(outDir, "mssante-thunderbird.xpi");
  if (!existsSync(xpi)) throw new Error(`the build did not produce ${xpi}`);
  return xpi;
}

/** name → a symbolic link to the token's library, for modutil (preloadCardModuleAs); nothing without a name. */
function preloadedCardModule(root: string, token: SoftHsmToken, name: string | undefined): Record<string, string> {
  if (!name) return {};
  const dir = path.join(root, "preloaded-lib");
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, path.basename(token.modulePath));
  symlinkSync(token.modulePath, link);
  return { [name]: link };
}

/** The domain's operator signs its personal mailboxes in through PSC (the default stays the card). */
function pscPolicies(): unknown[] {
  return [
    { domain: "*", cardFront: "certificate", smtpAuthMethod: 7 },
    { domain: E2E_DOMAIN, cardFront: "certificate", smtpAuthMethod: 7, login: "psc" },
  ];
}

/** The bridge's `psc` for the test provider: preset "custom", its public client, no secret. */
function pscConfig(p: PscProvider): Record<string, string> {
  return {
    preset: "custom",
    clientId: p.clientId,
    issuer: p.issuer,
    authorizationEndpoint: p.authorizationEndpoint,
    tokenEndpoint: p.tokenEndpoint,
  };
}

export async function startE2EEnv(opts: E2EEnvOptions = {}): Promise<E2EEnv> {
  const log = opts.log ?? (process.env.MSS_E2E_VERBOSE === "1" ? (l: string) => console.log(`[e2e-env] ${l}`) : () => undefined);
  const root = mkdtempSync(path.join(os.tmpdir(), "mss-e2e-"));
  chmodSync(root, 0o755);
  const home = path.join(root, "home");
  mkdirSync(home, { recursive: true });
  const timings: Record<string, number> = {};
  const stops: Array<() => Promise<unknown>> = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const v = await fn();
    timings[name] = (Date.now() - t0) / 1000;
    log(`${name} ready in ${timings[name]!.toFixed(1)} s`);
    return v;
  };
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (e) {
        log(`teardown: ${(e as Error).message}`);
      }
    }
    stops.length = 0;
    if (process.env.MSS_E2E_KEEP !== "1") rmSync(root, { recursive: true, force: true });
  };

  try {
    const pki = await step("pki", () =>
      createTestPki({
        dir: path.join(root, "pki"),
        serverNames: [HOSTS.imapCert, HOSTS.smtpCert, HOSTS.imapPsc, HOSTS.smtpPsc, "localhost"],
      }),
    );
    const token = await step("softhsm", () =>
      createSoftHsmToken({ dir: path.join(root, "token"), pki, card: opts.cardCertificate === "foreign" ? pki.foreign : pki.doctor }),
    );

    const mailboxes = [
      { address: DOCTOR.address, logins: opts.dovecot?.cardUserKnown === false ? [] : [DOCTOR.idNat] },
      ...COLLEAGUES.map((c) => ({ address: c.address })),
      { address: ORG_MAILBOX.address },
      ...(opts.extraMailboxes ?? []).map((address) => ({ address })),
    ];
    const dovecot = await step("dovecot", () =>
      startDovecot({
        serverCertFile: pki.server.certPem,
        serverKeyFile: pki.server.keyPem,
        clientCaFile: pki.ca.certPem,
        mailboxes,
        parentDir: root,
        ...(opts.dovecot?.loginNames ? { loginNames: opts.dovecot.loginNames } : {}),
        ...(opts.dovecot?.debug ? { debug: true } : {}),
      }),
    );
    stops.push(() => dovecot.stop());
    const postfix = await step("postfix", () =>
      startPostfix({
        serverCertFile: pki.server.certPem,
        serverKeyFile: pki.server.keyPem,
        clientCaFile: pki.ca.certPem,
        lmtpPort: dovecot.lmtpPort,
        allowedClientCerts: [{ certFile: pki.doctor.certPem, address: DOCTOR.address }],
        hostname: HOSTS.smtpCert,
        parentDir: root,
      }),
    );
    stops.push(() => postfix.stop());

    let psc: PscFront | null = null;
    if (opts.psc) {
      const provider = await step("psc provider", () =>
        startPscProvider({ pki, ...(opts.psc?.accessTokenTtl ? { accessTokenTtl: opts.psc.accessTokenTtl } : {}) }),
      );
      stops.push(() => provider.stop());
      const pscDovecot = await step("psc dovecot", () =>
        startDovecot({
          serverCertFile: pki.server.certPem,
          serverKeyFile: pki.server.keyPem,
          mailboxes: [
            { address: DOCTOR.address, logins: [DOCTOR.idNat] },
            ...COLLEAGUES.map((c) => ({ address: c.address, logins: [] as string[] })),
          ],
          parentDir: root,
          oauth2: {
            introspectionUrl: provider.introspection.url,
            clientId: provider.introspection.clientId,
            clientSecret: provider.introspection.clientSecret,
            caFile: pki.ca.certPem,
          },
        }),
      );
      stops.push(() => pscDovecot.stop());
      const pscPostfix = await step("psc postfix", () =>
        startPostfix({
          serverCertFile: pki.server.certPem,
          serverKeyFile: pki.server.keyPem,
          clientCaFile: pki.ca.certPem,
          allowedClientCerts: [],
          lmtpPort: pscDovecot.lmtpPort,
          hostname: HOSTS.smtpPsc,
          parentDir: root,
          dovecotSasl: { port: pscDovecot.saslPort!, senders: [{ address: DOCTOR.address, logins: [DOCTOR.idNat] }] },
        }),
      );
      stops.push(() => pscPostfix.stop());
      psc = { provider, dovecot: pscDovecot, postfix: pscPostfix };
    }

    const dns = await step("dnsmasq", () =>
      startDnsmasq(
        [
          { name: `_imap._tcp.${E2E_DOMAIN}`, target: HOSTS.imapPsc, port: psc?.dovecot.imapPort ?? 143, priority: 10 },
          { name: `_imap._tcp.${E2E_DOMAIN}`, target: HOSTS.imapCert, port: dovecot.imapPort, priority: 20 },
          { name: `_submission._tcp.${E2E_DOMAIN}`, target: HOSTS.smtpPsc, port: psc?.postfix.submissionPort ?? 587, priority: 10 },
          { name: `_submission._tcp.${E2E_DOMAIN}`, target: HOSTS.smtpCert, port: postfix.submissionPort, priority: 20 },
        ],
        ["test"],
      ),
    );
    stops.push(() => dns.stop());

    const vpcdPort = opts.vpcdPort ?? VPCD_DEFAULT_PORT + 1;
    const readerName = vpcdReaderName(vpcdPort);
    const card = new VirtualCard({ port: vpcdPort, stayInserted: true });
    await step("virtual card", () => card.insert(ATR.CPS3_CONTACT));
    stops.push(() => card.remove());

    // Bridge data: config, directory, trust list; then install (manifests in the private HOME).
    const bridgeDataDir = e2eDataDir(home, path.join(root, "bridge"));
    if (PACKAGED && !existsSync(SYSTEM_NATIVE_MANIFEST)) {
      throw new Error(`MSS_E2E_PACKAGED=1 but ${SYSTEM_NATIVE_MANIFEST} is missing: install the .deb first (npm run test:package)`);
    }
    mkdirSync(bridgeDataDir, { recursive: true, mode: 0o700 });
    const whitelist = path.join(root, "whitelist.xml");
    writeFileSync(whitelist, whitelistXml(TRUSTED_DOMAINS));
    const extraction = await step("directory generation", () =>
      // Dated at run time, an hour ago, like this morning's publication: the bridge judges the
      // index's age against the real clock, so a fixed date would turn "stale" a week later.
      writeExtraction(path.join(root, "directory"), {
        lines: opts.directoryLines ?? E2E_DIRECTORY.lines,
        seed: E2E_DIRECTORY.seed,
        fixtures: directoryFixtures(),
        date: extractionStamp(new Date(Date.now() - 3_600_000)),
      }),
    );
    writeFileSync(
      path.join(bridgeDataDir, "config.json"),
      JSON.stringify(
        {
          modulePath: token.modulePath,
          reader: readerName,
          directory: { source: "offline", extractionSource: extraction.file, refreshHours: 0 },
          trust: { whitelistSource: whitelist, refreshHours: 0 },
          discovery: {
            dnsServer: dns.server,
            ...(opts.discoveryPolicies || psc ? { policies: opts.discoveryPolicies ?? pscPolicies() } : {}),
          },
          ...(psc ? { psc: pscConfig(psc.provider) } : {}),
          ...(opts.bridge === "service" ? { nativeHost: { startsBridge: false } } : {}),
        },
        null,
        2,
      ),
    );
    const bridgeEnv = { HOME: home, ...token.env };
    await step("directory import", async () => {
      const r = await runBridgeCli(["directory", "import", extraction.file], { dataDir: bridgeDataDir, env: bridgeEnv, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`mss-bridge directory import failed (${r.code}): ${r.stderr}`);
    });
    if (!PACKAGED) {
      await step("mss-bridge install", async () => {
        const r = await runBridgeCli(["install", "--module", token.modulePath], { dataDir: bridgeDataDir, env: bridgeEnv });
        if (r.code !== 0) throw new Error(`mss-bridge install failed (${r.code}): ${r.stderr}${r.stdout}`);
      });
    }
    let bridge: BridgeProcess | null = null;
    if (opts.bridge === "service") {
      const service = await step("bridge", () =>
        startBridgeProcess({
          dataDir: bridgeDataDir,
          env: bridgeEnv,
          args: ["--module", token.modulePath, "--reader", readerName, "--dns-server", dns.server],
        }),
      );
      stops.push(() => service.stop());
      bridge = service;
    }

    const extensionXpi =
      opts.extensionXpi ?? (await step("extension build", () => buildExtensionForTests(path.join(root, "build"), pki.ca.certPem)));

    const extensionUuid = "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    let tb: Thunderbird | null = null;
    if (opts.thunderbird !== false) {
      tb = await step("thunderbird", () =>
        startThunderbird({
          home,
          extensions: { [ADDON_ID]: extensionXpi },
          extensionUuids: { [ADDON_ID]: extensionUuid },
          localDomains: Object.values(HOSTS),
          pin: token.pin,
          parentDir: root,
          ...opts.thunderbirdOptions,
          env: { ...token.env, ...(opts.thunderbirdOptions?.env ?? {}) },
          pkcs11Modules: {
            ...preloadedCardModule(root, token, opts.preloadCardModuleAs),
            ...(opts.thunderbirdOptions?.pkcs11Modules ?? {}),
          },
        }),
      );
      stops.push(() => tb!.stop());
    }

    return {
      root,
      home,
      pki,
      token,
      card,
      readerName,
      dns,
      dovecot,
      postfix,
      psc,
      bridge,
      bridgeDataDir,
      runningBridge: () => readRuntimeFile(path.join(bridgeDataDir, "runtime.json")),
      extensionXpi,
      tb,
      extensionOrigin: `moz-extension://${extensionUuid}`,
      timings,
      async pullCard() {
        await card.remove();
        await token.removeToken();
      },
      async insertCard() {
        await token.restoreToken();
        await card.insert(ATR.CPS3_CONTACT);
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** What the end-to-end suites need on the machine (for missingComponents). */
export const E2E_COMPONENTS = [
  "thunderbird",
  "dovecot",
  "postfix",
  "postmap",
  "pcscd",
  "softhsm2-util",
  "pkcs11-tool",
  "dnsmasq",
  "certutil",
  "modutil",
  "openssl",
  "root",
];

/** True when the vpcd driver is registered with pcscd (reader "Virtual PCD 00 0x" available). */
export function vpcdInstalled(): boolean {
  try {
    execFileSync("sh", ["-c", "ls /usr/lib/pcsc/drivers/serial/libifdvpcd.so"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

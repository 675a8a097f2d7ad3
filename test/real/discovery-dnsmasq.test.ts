/**
 * Server discovery against a REAL dnsmasq on a loopback port: SRV priority 10 (PSC front) and 20
 * (certificate front), an off-domain target (unconfirmed), a target in a trust-space domain
 * (confirmed), no SRV with an override, no SRV and no override, a Unicode domain; the card login
 * chosen with the operator policies, over the protocol too; then the `discover` command line
 * through commander in a child process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { startDnsmasq, type Dnsmasq } from "../harness/dnsmasq.ts";
import { createResolver } from "../../bridge/trust/discover.ts";
import { TrustSpace } from "../../bridge/trust/trust-service.ts";
import { startBridge } from "../../bridge/app/bridge-app.ts";
import { defaultConfig, type OperatorPolicy } from "../../bridge/config/config.ts";
import { silentLogger } from "../../bridge/log/logger.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { checkResult } from "../../shared/protocol/validate.ts";
import { fakeServices } from "../harness/fake-services.ts";
import { bridgeCommand, openClient, tempDataDir, TEST_ORIGIN } from "../harness/bridge-process.ts";

const skip = missingComponents("discovery-dnsmasq", ["dnsmasq"]);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FALLBACK_LIST = path.join(ROOT, "bridge/trust/fallback-whitelist.xml");
const UNICODE_ASCII = "xn--hpital-sainte-agns-7vb7t.mssante.test"; // hôpital-sainte-agnès.mssante.test

/** Runs the trust/discover commands through commander in a child process: real exit codes and output. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  // The real command line (bin/mss-bridge.mjs → bridge/cli.ts → registerTrustCommands).
  const self = bridgeCommand();
  const r = spawnSync(self.file, [...self.args, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip)("server discovery against a real dnsmasq", () => {
  let dns: Dnsmasq;
  let dataDir: string;
  let trust: TrustSpace;

  beforeAll(async () => {
    dns = await startDnsmasq([
      // mssante.test: both fronts, as Référentiel #2 publishes them; two certificate-front IMAP hosts by weight.
      { name: "_imap._tcp.mssante.test", target: "imap.cert.mssante.test", port: 143, priority: 20, weight: 10 },
      { name: "_imap._tcp.mssante.test", target: "imap2.cert.mssante.test", port: 1143, priority: 20, weight: 50 },
      { name: "_imap._tcp.mssante.test", target: "imap.psc.mssante.test", port: 143, priority: 10 },
      { name: "_submission._tcp.mssante.test", target: "smtp.psc.mssante.test", port: 587, priority: 10 },
      { name: "_submission._tcp.mssante.test", target: "smtp.cert.mssante.test", port: 587, priority: 20 },
      // clinique-exemple: one target off its domain but in the trust space, one completely elsewhere.
      { name: "_imap._tcp.clinique-exemple.mssante.test", target: "imap.hopital-exemple.mssante.test", port: 143, priority: 20 },
      { name: "_submission._tcp.clinique-exemple.mssante.test", target: "smtp.attacker.example", port: 587, priority: 20 },
      // A Unicode domain, published in its IDNA form.
      { name: `_imap._tcp.${UNICODE_ASCII}`, target: `imap.${UNICODE_ASCII}`, port: 143, priority: 20 },
      { name: `_submission._tcp.${UNICODE_ASCII}`, target: `smtp.${UNICODE_ASCII}`, port: 587, priority: 20 },
      // medecin.mssante.test: on the certificate front the heavier submission host is off the domain
      // and the trust space, the lighter one in the domain.
      { name: "_imap._tcp.medecin.mssante.test", target: "imap.psc.medecin.mssante.test", port: 143, priority: 10 },
      { name: "_imap._tcp.medecin.mssante.test", target: "imap.medecin.mssante.test", port: 143, priority: 20 },
      { name: "_submission._tcp.medecin.mssante.test", target: "smtp.psc.medecin.mssante.test", port: 587, priority: 10 },
      { name: "_submission._tcp.medecin.mssante.test", target: "smtp.elsewhere.example", port: 587, priority: 20, weight: 90 },
      { name: "_submission._tcp.medecin.mssante.test", target: "smtp.medecin.mssante.test", port: 587, priority: 20, weight: 10 },
    ]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), "mss-discovery-"));
    writeFileSync(
      path.join(dataDir, "config.json"),
      JSON.stringify({
        trust: { whitelistSource: FALLBACK_LIST, refreshHours: 0 },
        discovery: {
          dnsServer: dns.server,
          overrides: {
            "hopital-exemple.mssante.test": {
              imap: { host: "mail.hopital-exemple.mssante.test", port: 143 },
              submission: { host: "mail.hopital-exemple.mssante.test", port: 587 },
            },
          },
        },
      }),
    );
    trust = new TrustSpace({
      whitelistSource: FALLBACK_LIST,
      cacheDir: path.join(dataDir, "trust"),
      refreshHours: 0,
      resolver: createResolver(dns.server),
      overrides: {
        "hopital-exemple.mssante.test": {
          imap: { host: "mail.hopital-exemple.mssante.test", port: 143 },
          submission: { host: "mail.hopital-exemple.mssante.test", port: 587 },
        },
      },
    });
    await trust.start();
  });

  afterAll(async () => {
    trust?.close();
    await dns?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("returns both fronts ordered by priority then weight, tagged psc/certificate, confirmed in-domain", async () => {
    const { targets: t, cardLogin } = await trust.discover("dr.dupont@mssante.test");
    expect(t.map((x) => [x.service, x.host, x.port, x.priority, x.weight, x.front, x.source, x.confirmed])).toEqual([
      ["imap", "imap.psc.mssante.test", 143, 10, 0, "psc", "srv", true],
      ["imap", "imap2.cert.mssante.test", 1143, 20, 50, "certificate", "srv", true],
      ["imap", "imap.cert.mssante.test", 143, 20, 10, "certificate", "srv", true],
      ["submission", "smtp.psc.mssante.test", 587, 10, 0, "psc", "srv", true],
      ["submission", "smtp.cert.mssante.test", 587, 20, 0, "certificate", "srv", true],
    ]);
    // The card login, with the default policy: certificate front, External.
    expect(cardLogin).toMatchObject({
      front: "certificate",
      imap: { host: "imap2.cert.mssante.test", port: 1143 },
      submission: { host: "smtp.cert.mssante.test" },
      imapAuthMethod: 7,
      smtpAuthMethod: 7,
    });
  });

  it("confirms a target in a trust-space domain and flags one outside for the user", async () => {
    const { targets: t, cardLogin } = await trust.discover("secretariat@clinique-exemple.mssante.test");
    expect(t).toEqual([
      {
        service: "imap",
        host: "imap.hopital-exemple.mssante.test",
        port: 143,
        priority: 20,
        weight: 0,
        front: "certificate",
        source: "srv",
        confirmed: true,
      },
      {
        service: "submission",
        host: "smtp.attacker.example",
        port: 587,
        priority: 20,
        weight: 0,
        front: "certificate",
        source: "srv",
        confirmed: false,
      },
    ]);
    // The only submission target is unconfirmed: chosen all the same, flagged for the user to decide.
    expect(cardLogin.submission).toEqual(t[1]);
  });

  it("uses the override table when the domain publishes no SRV record", async () => {
    const { targets: t } = await trust.discover("a@hopital-exemple.mssante.test");
    expect(t.map((x) => [x.service, x.host, x.port, x.source, x.front, x.confirmed])).toEqual([
      ["imap", "mail.hopital-exemple.mssante.test", 143, "override", "certificate", true],
      ["submission", "mail.hopital-exemple.mssante.test", 587, "override", "certificate", true],
    ]);
  });

  it("fails with DISCOVERY_FAILED and what to do when there is no SRV and no override", async () => {
    const err = await trust.discover("a@nothing.mssante.test").catch((e) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe(ErrorCode.DISCOVERY_FAILED);
    expect(err.message).toMatch(/no _imap\._tcp \/ _submission\._tcp SRV record/);
    expect(err.message).toMatch(/discovery\.overrides/);
    // The client's domain is not echoed back (it knows what it asked).
    expect(err.message).not.toContain("nothing.mssante.test");
  });

  it("looks a Unicode domain up in its IDNA form", async () => {
    const { targets: t } = await trust.discover("accueil@hôpital-sainte-agnès.mssante.test");
    expect(t.map((x) => x.host)).toEqual([`imap.${UNICODE_ASCII}`, `smtp.${UNICODE_ASCII}`]);
    expect(t.every((x) => x.confirmed)).toBe(true);
  });

  it("prefers a confirmed target to a heavier unconfirmed one on the card's front", async () => {
    const { targets, cardLogin } = await trust.discover("dr.martin@medecin.mssante.test");
    expect(targets.filter((x) => x.service === "submission" && x.front === "certificate").map((x) => [x.host, x.confirmed])).toEqual([
      ["smtp.elsewhere.example", false],
      ["smtp.medecin.mssante.test", true],
    ]);
    expect(cardLogin).toMatchObject({
      imap: { host: "imap.medecin.mssante.test" },
      submission: { host: "smtp.medecin.mssante.test", confirmed: true },
    });
  });

  it("over the protocol, discovery.discover answers the card login the bridge's configured policies choose", async () => {
    const policies: OperatorPolicy[] = [
      { domain: "*", cardFront: "certificate", smtpAuthMethod: 7 },
      { domain: "clinique-exemple.mssante.test", cardFront: "certificate", smtpAuthMethod: 1 },
      { domain: "medecin.mssante.test", cardFront: "psc", smtpAuthMethod: 7 },
    ];
    const configured = new TrustSpace({
      whitelistSource: FALLBACK_LIST,
      cacheDir: null,
      refreshHours: 0,
      resolver: createResolver(dns.server),
      policies,
    });
    await configured.start();
    const b = await startBridge({
      dataDir: tempDataDir(),
      config: { ...defaultConfig(), port: 0 },
      services: { ...fakeServices(), trust: configured },
      log: silentLogger,
    });
    try {
      b.ctx.pairing.addOrigin(TEST_ORIGIN, "native-messaging");
      const c = await openClient(b.port);
      await c.authenticate(b.ctx.pairing.secret());
      const psc = await c.call("discovery.discover", { address: "dr.martin@medecin.mssante.test" });
      expect(checkResult("discovery.discover", psc)).toBeNull();
      expect(psc).toMatchObject({
        cardLogin: {
          front: "psc",
          imap: { host: "imap.psc.medecin.mssante.test" },
          submission: { host: "smtp.psc.medecin.mssante.test" },
          imapAuthMethod: 7,
          smtpAuthMethod: 7,
        },
      });
      const clinique = await c.call("discovery.discover", { address: "secretariat@clinique-exemple.mssante.test" });
      expect(clinique).toMatchObject({
        cardLogin: { front: "certificate", submission: { host: "smtp.attacker.example", confirmed: false }, smtpAuthMethod: 1 },
      });
      // Any other domain: the "*" policy.
      const other = await c.call("discovery.discover", { address: "dr.dupont@mssante.test" });
      expect(other).toMatchObject({
        targets: expect.any(Array),
        cardLogin: {
          front: "certificate",
          imap: { host: "imap2.cert.mssante.test" },
          submission: { host: "smtp.cert.mssante.test" },
          smtpAuthMethod: 7,
        },
      });
      c.close();
    } finally {
      await b.stop();
      configured.close();
    }
  });

  it("reports an unreachable DNS server as a DNS failure", async () => {
    const dead = new TrustSpace({ whitelistSource: FALLBACK_LIST, cacheDir: null, refreshHours: 0, dnsServer: "127.0.0.1:9" });
    const err = await dead.discover("a@nothing.mssante.test").catch((e) => e);
    expect(err.code).toBe(ErrorCode.DISCOVERY_FAILED);
    expect(err.message).toMatch(/DNS failed/);
  });

  it("`discover --json` prints the list and exits 0", () => {
    const r = runCli(["discover", "dr.dupont@mssante.test", "--dns-server", dns.server, "--json", "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(5);
    expect(list[1]).toEqual({
      service: "imap",
      host: "imap2.cert.mssante.test",
      port: 1143,
      priority: 20,
      weight: 50,
      front: "certificate",
      source: "srv",
      confirmed: true,
    });
    expect(Object.keys(list[0]!).sort()).toEqual(["confirmed", "front", "host", "port", "priority", "service", "source", "weight"]);
  });

  it("`discover` marks the target used for a card login and exits 4 / 3 / 2 on failure, bad address, bad option", () => {
    const human = runCli(["discover", "secretariat@clinique-exemple.mssante.test", "--data-dir", dataDir]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/smtp\.attacker\.example:587 .*UNCONFIRMED/);
    expect(human.stdout.split("\n")[0]).toMatch(/^\* imap/);
    const none = runCli(["discover", "a@nothing.mssante.test", "--dns-server", dns.server, "--data-dir", dataDir]);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/discovery\.overrides/);
    // On the command line the person typed the address: the domain is named for them.
    expect(none.stderr).toMatch(/^nothing\.mssante\.test: Cannot find/m);
    expect(runCli(["discover", "not-an-address", "--data-dir", dataDir]).code).toBe(3);
    expect(runCli(["discover", "a@mssante.test", "--dns-server", "dns.example:53", "--data-dir", dataDir]).code).toBe(2);
    expect(runCli(["discover", "--no-such-option", "a@mssante.test"]).code).toBe(2);
  });
});

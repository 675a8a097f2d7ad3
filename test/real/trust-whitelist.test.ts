/**
 * The trust-space list from a REAL HTTPS server (test PKI, extra CA), directly and through a real
 * CONNECT proxy; the cache in the data directory keeps serving when the download fails, is cut,
 * or returns garbage or hostile XML; then `trust check` through commander in a child process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { TrustSpace } from "../../bridge/trust/trust-service.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { startBridge } from "../../bridge/app/bridge-app.ts";
import { defaultConfig } from "../../bridge/config/config.ts";
import { silentLogger } from "../../bridge/log/logger.ts";
import { ControlClient } from "../../bridge/server/control-client.ts";
import { fakeServices } from "../harness/fake-services.ts";
import { bridgeCommand, openClient, tempDataDir, TEST_ORIGIN } from "../harness/bridge-process.ts";

const skip = missingComponents("trust-whitelist", ["openssl"]);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FALLBACK_LIST = path.join(ROOT, "bridge/trust/fallback-whitelist.xml");
const NS = "https://listeblanche.mssante.fr/schema";

const LIST_V1 = `<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="${NS}" date="2026-11-01T06:00:00Z">
  <Domaine><Nom>medecin.mssante.test</Nom></Domaine>
  <Domaine><Nom>hôpital-sainte-agnès.mssante.test</Nom></Domaine>
</ListeBlanche>`;
const LIST_V2 = LIST_V1.replace("2026-11-01", "2026-11-02").replace(
  "</ListeBlanche>",
  "<Domaine><Nom>pharmacien.mssante.test</Nom></Domaine></ListeBlanche>",
);
const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ListeBlanche xmlns="${NS}"><Domaine><Nom>&b;.fr</Nom></Domaine></ListeBlanche>`;

type Mode = "v1" | "v2" | "500" | "cut" | "garbage" | "hostile";

function runCli(args: string[]) {
  // The real command line (bin/mss-bridge.mjs → bridge/cli.ts → registerTrustCommands).
  const self = bridgeCommand();
  const r = spawnSync(self.file, [...self.args, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip)("trust-space list over real HTTPS, with cache and proxy", () => {
  let pki: TestPki;
  let server: https.Server;
  let proxy: http.Server;
  let url: string;
  let proxyUrl: string;
  let mode: Mode = "v1";
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  let dir: string;
  const spaces: TrustSpace[] = [];

  const space = (over: Partial<ConstructorParameters<typeof TrustSpace>[0]> = {}) => {
    const t = new TrustSpace({
      whitelistSource: url,
      cacheDir: path.join(dir, "trust"),
      refreshHours: 0,
      extraCaFile: pki.ca.certPem,
      proxy: null,
      ...over,
    });
    spaces.push(t);
    return t;
  };

  beforeAll(async () => {
    pki = await createTestPki();
    dir = mkdtempSync(path.join(os.tmpdir(), "mss-trust-test-"));
    server = https.createServer({ cert: readFileSync(pki.server.certPem), key: readFileSync(pki.server.keyPem) }, (req, res) => {
      if (req.url !== "/listeblanchemssante.xml") return void res.writeHead(404).end();
      const body = mode === "v2" ? LIST_V2 : mode === "garbage" ? "\x00\x01 not xml <<<" : mode === "hostile" ? BILLION_LAUGHS : LIST_V1;
      if (mode === "500") return void res.writeHead(500).end("oops");
      res.writeHead(200, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) * (mode === "cut" ? 2 : 1) });
      if (mode === "cut") {
        res.write(body.slice(0, 40));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(body);
    });
    server.on("connection", (s: net.Socket) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/listeblanchemssante.xml`;
    // A minimal CONNECT proxy, as a hospital's would be.
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on("connect", (req, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? "");
      sockets.add(client);
      const [host, port] = (req.url ?? "").split(":");
      const upstream = net.connect(Number(port), host!, () => {
        sockets.add(upstream);
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of spaces) s.close();
    for (const s of sockets) s.destroy();
    server?.closeAllConnections();
    proxy?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await new Promise((r) => proxy?.close(r));
    await pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("downloads the list with the extra CA, normalises Unicode domains, caches it with its date", async () => {
    mode = "v1";
    const t = space();
    await t.start();
    expect(t.lastError).toBeNull();
    expect(t.list()).toEqual({
      domains: ["medecin.mssante.test", "xn--hpital-sainte-agns-7vb7t.mssante.test"],
      date: "2026-11-01T06:00:00.000Z",
      testOnly: false,
    });
    expect(t.check("dr.x@medecin.mssante.test")).toEqual({
      address: "dr.x@medecin.mssante.test",
      domain: "medecin.mssante.test",
      verdict: "trusted",
      listDate: "2026-11-01T06:00:00.000Z",
    });
    expect(t.check("a@hôpital-sainte-agnès.mssante.test").verdict).toBe("trusted");
    expect(t.check("a@gmail.com").verdict).toBe("untrusted");
    expect(t.check("a@sub.medecin.mssante.test").verdict).toBe("untrusted");
    expect(existsSync(path.join(dir, "trust", "whitelist.xml"))).toBe(true);
    const meta = JSON.parse(readFileSync(path.join(dir, "trust", "whitelist.json"), "utf8"));
    expect(meta.source).toBe(url);
  });

  it("refuses the server without the extra CA and, with no cache, answers unknown and says it has no list", async () => {
    const t = space({ extraCaFile: null, cacheDir: path.join(dir, "no-cache") });
    await t.start();
    expect(t.lastError).toMatch(/Cannot read the trust-space list.*network\.extraCaFile/);
    // Never an empty list (a client would take it for the trust space): the typed error, saying what to do.
    expect(() => t.list()).toThrow(
      expect.objectContaining({
        code: ErrorCode.TRUST_LIST_UNAVAILABLE,
        message: expect.stringMatching(/No trust-space list is loaded.*network\.extraCaFile/),
      }),
    );
    expect(t.check("dr.x@medecin.mssante.test").verdict).toBe("unknown");
  });

  it("over the protocol, a bridge with no list answers trust.list with TRUST_LIST_UNAVAILABLE, and `status` says why", async () => {
    const t = space({ extraCaFile: null, cacheDir: path.join(dir, "no-cache-2") });
    await t.start();
    const b = await startBridge({
      dataDir: tempDataDir(),
      config: { ...defaultConfig(), port: 0 },
      services: { ...fakeServices(), trust: t },
      log: silentLogger,
    });
    try {
      b.ctx.pairing.addOrigin(TEST_ORIGIN, "native-messaging");
      const c = await openClient(b.port);
      await c.authenticate(b.ctx.pairing.secret());
      await expect(c.call("trust.list")).rejects.toMatchObject({
        code: ErrorCode.TRUST_LIST_UNAVAILABLE,
        message: expect.stringMatching(/No trust-space list is loaded/),
      });
      c.close();
      const control = await ControlClient.connect(b.dataDir);
      const st = await control.request<{ trust: { date: string | null; error: string | null } }>({ cmd: "status" });
      control.close();
      expect(st.trust).toMatchObject({ date: null, error: expect.stringMatching(/No trust-space list is loaded/) });
    } finally {
      await b.stop();
    }
  });

  it("keeps serving the list it has when the source fails, is cut midway, or sends garbage or hostile XML", async () => {
    const t = space();
    await t.start();
    const before = readFileSync(path.join(dir, "trust", "whitelist.xml"), "utf8");
    for (const m of ["500", "cut", "garbage", "hostile"] as Mode[]) {
      mode = m;
      await t.refresh();
      expect(t.lastError, m).toBeTruthy();
      expect(t.check("dr.x@medecin.mssante.test").verdict, m).toBe("trusted");
      expect(t.list().date).toBe("2026-11-01T06:00:00.000Z");
    }
    expect(readFileSync(path.join(dir, "trust", "whitelist.xml"), "utf8")).toBe(before);
    mode = "v1";
  });

  it("a restarted bridge serves the cached copy at once, even with the source down", async () => {
    mode = "500";
    const t = space();
    expect(t.check("x@medecin.mssante.test").verdict).toBe("trusted"); // before start(): from the cache
    await t.start();
    expect(t.lastError).toMatch(/HTTP 500/);
    expect(t.list().domains).toHaveLength(2);
    mode = "v1";
  });

  it("downloads through an HTTP CONNECT proxy and picks up a new list on refresh", async () => {
    mode = "v2";
    tunnels.length = 0;
    const t = space({ proxy: proxyUrl });
    await t.start();
    expect(t.lastError).toBeNull();
    expect(tunnels).toEqual([new URL(url).host]);
    expect(t.check("ph@pharmacien.mssante.test").verdict).toBe("trusted");
    expect(t.list().date).toBe("2026-11-02T06:00:00.000Z");
    mode = "v1";
  });

  it("`trust check` prints trusted/untrusted/unknown and exits 0/1/2, 3 on bad input, 4 on an unreadable file", () => {
    const ok = runCli(["trust", "check", "a@hopital-exemple.mssante.test", "--whitelist", FALLBACK_LIST]);
    expect([ok.code, ok.stdout.trim()]).toEqual([0, "trusted"]);
    expect(ok.stderr).toMatch(/TEST-ONLY list/);
    const uni = runCli(["trust", "check", "a@hôpital-sainte-agnès.mssante.test", "--whitelist", FALLBACK_LIST, "--json"]);
    expect(uni.code).toBe(0);
    expect(JSON.parse(uni.stdout)).toMatchObject({
      domain: "xn--hpital-sainte-agns-7vb7t.mssante.test",
      verdict: "trusted",
      testOnly: true,
    });
    const no = runCli(["trust", "check", "a@gmail.com", "--whitelist", FALLBACK_LIST]);
    expect([no.code, no.stdout.trim()]).toEqual([1, "untrusted"]);
    expect(runCli(["trust", "check", "not an address", "--whitelist", FALLBACK_LIST]).code).toBe(3);
    const bad = path.join(dir, "bad.xml");
    writeFileSync(bad, BILLION_LAUGHS);
    expect(runCli(["trust", "check", "a@x.fr", "--whitelist", bad]).code).toBe(3);
    expect(runCli(["trust", "check", "a@x.fr", "--whitelist", path.join(dir, "missing.xml")]).code).toBe(4);
    expect(runCli(["trust", "check"]).code).toBe(2);
  });

  it("`trust check --data-dir` uses the bridge's cached list, and says unknown when there is none", () => {
    // dir holds config-less data: the default source is the ANS URL (unreachable here), so only the cache can answer.
    const cached = runCli(["trust", "check", "dr.x@medecin.mssante.test", "--data-dir", dir]);
    expect([cached.code, cached.stdout.trim()]).toEqual([0, "trusted"]);
    expect(cached.stderr).toMatch(/cached copy/);
    const empty = mkdtempSync(path.join(os.tmpdir(), "mss-trust-empty-"));
    try {
      writeFileSync(path.join(empty, "config.json"), JSON.stringify({ trust: { whitelistSource: "https://127.0.0.1:9/none.xml" } }));
      const unknown = runCli(["trust", "check", "dr.x@medecin.mssante.test", "--data-dir", empty]);
      expect([unknown.code, unknown.stdout.trim()]).toEqual([2, "unknown"]);
      expect(unknown.stderr).toMatch(/--whitelist FILE/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

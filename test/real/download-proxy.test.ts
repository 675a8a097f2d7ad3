/**
 * Both downloaders (trust-space list: bridge/trust/download.ts; directory extraction:
 * bridge/directory/import/download.ts) against REAL local servers: a forward proxy that requires
 * Basic credentials (CONNECT for https, absolute-form GET for http), an HTTPS server from the test
 * PKI, and a plain HTTP server. Checks that the credentials are sent, never shown in a message nor
 * on the import child's command line, and that a redirect from https to http is refused.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadToFile } from "../../bridge/directory/import/download.ts";
import { OfflineDirectory } from "../../bridge/directory/offline-directory.ts";
import { download } from "../../bridge/trust/download.ts";
import { writeExtraction } from "../../scripts/generate-directory.ts";
import { startForwardProxy, startHttpServer, type TestHttpServer, type TestProxy } from "../harness/http-server.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { missingComponents } from "../harness/require-component.ts";
import { FIXTURES } from "./directory-fixtures.ts";

const skip = missingComponents("download-proxy", ["openssl"]);

// Characters that must be percent-encoded in the URL and decoded before Basic encoding.
const USER = "DOM\\al@ice";
const PASSWORD = "p@ss:w%rd é-S3CRET";
const SECRET_MARK = "S3CRET";
const LIST = "<ListeBlanche><Domaine><Nom>medecin.mssante.test</Nom></Domaine></ListeBlanche>";

/** Whatever a download rejected with, as a message. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("the download succeeded");
}

/** Every process command line (other local users can read them all) containing `text`. */
function commandLinesContaining(text: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(text)) out.push(`${pid}: ${cmd}`);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return out;
}

describe.skipIf(skip)("downloads through a proxy that requires credentials, and redirects", () => {
  let pki: TestPki;
  let dir: string;
  let proxy: TestProxy;
  let secure: TestHttpServer;
  let plain: TestHttpServer;
  let ca: string;
  let withCredentials: string;
  let wrongCredentials: string;
  let withoutCredentials: string;

  beforeAll(async () => {
    pki = await createTestPki();
    dir = mkdtempSync(path.join(os.tmpdir(), "mss-proxy-auth-"));
    ca = readFileSync(pki.ca.certPem, "utf8");
    proxy = await startForwardProxy({ auth: { user: USER, password: PASSWORD } });
    secure = await startHttpServer({ tls: { key: readFileSync(pki.server.keyPem), cert: readFileSync(pki.server.certPem) } });
    plain = await startHttpServer();
    for (const s of [secure, plain]) {
      s.routes.set("/list.xml", { body: LIST, contentType: "application/xml" });
      s.routes.set("/moved", { redirectTo: "/list.xml" });
    }
    secure.routes.set("/downgrade", { redirectTo: `${plain.url}/list.xml` });
    const hostPort = new URL(proxy.url).host;
    withCredentials = `http://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@${hostPort}`;
    wrongCredentials = `http://${encodeURIComponent(USER)}:wrong-${SECRET_MARK}@${hostPort}`;
    withoutCredentials = proxy.url;
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await secure?.close();
    await plain?.close();
    await pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("trust list: https through the proxy's CONNECT with Proxy-Authorization, and plain http", async () => {
    proxy.seen.length = 0;
    proxy.refused.length = 0;
    const got = await download(`${secure.url}/list.xml`, { proxy: withCredentials, extraCa: ca });
    expect(got.body.toString()).toBe(LIST);
    const viaHttp = await download(`${plain.url}/moved`, { proxy: withCredentials });
    expect(viaHttp.body.toString()).toBe(LIST);
    expect(viaHttp.finalUrl).toBe(`${plain.url}/list.xml`);
    expect(proxy.seen).toEqual([`CONNECT ${new URL(secure.url).host}`, `GET ${plain.url}/moved`, `GET ${plain.url}/list.xml`]);
    expect(proxy.refused).toEqual([]);
  });

  it("directory extraction: https (CONNECT, extra CA file) and plain http through the proxy", async () => {
    proxy.seen.length = 0;
    const a = await downloadToFile(`${secure.url}/list.xml`, path.join(dir, "a"), { proxy: withCredentials, extraCaFile: pki.ca.certPem });
    const b = await downloadToFile(`${plain.url}/list.xml`, path.join(dir, "b"), { proxy: withCredentials });
    expect([a.bytes, b.bytes]).toEqual([LIST.length, LIST.length]);
    expect(readFileSync(path.join(dir, "b"), "utf8")).toBe(LIST);
    expect(proxy.seen).toEqual([`CONNECT ${new URL(secure.url).host}`, `GET ${plain.url}/list.xml`]);
  });

  it("no or wrong credentials: the proxy's 407 is explained, and no message holds the credentials", async () => {
    const cases: [string, string, RegExp][] = [
      [withoutCredentials, `${secure.url}/list.xml`, /asks for credentials \(HTTP 407\).*http:\/\/user:password@/],
      [withoutCredentials, `${plain.url}/list.xml`, /asks for credentials \(HTTP 407\)/],
      [wrongCredentials, `${secure.url}/list.xml`, /refused the credentials.*\(HTTP 407\)/],
      [wrongCredentials, `${plain.url}/list.xml`, /refused the credentials.*\(HTTP 407\)/],
    ];
    let n = 0;
    for (const [proxyUrl, url, expected] of cases) {
      const trust = await failure(download(url, { proxy: proxyUrl, extraCa: ca }));
      const extraction = await failure(
        downloadToFile(url, path.join(dir, `fail-${n++}`), { proxy: proxyUrl, extraCaFile: pki.ca.certPem }),
      );
      for (const message of [trust, extraction]) {
        expect(message, url).toMatch(expected);
        expect(message).toContain(new URL(proxy.url).host);
        expect(message).not.toContain(SECRET_MARK);
        expect(message).not.toContain("al@ice");
        expect(message).not.toContain("al%40ice");
      }
    }
    expect(existsSync(path.join(dir, "fail-0"))).toBe(false);
  });

  it("a redirect from https to plain http is refused by both; https → https is followed", async () => {
    plain.requests.length = 0;
    for (const via of [null, withCredentials]) {
      const trust = await failure(download(`${secure.url}/downgrade`, { proxy: via, extraCa: ca }));
      expect(trust).toMatch(/redirected from HTTPS to plain HTTP.*refused/);
      const extraction = await failure(
        downloadToFile(`${secure.url}/downgrade`, path.join(dir, "downgraded"), { proxy: via, extraCaFile: pki.ca.certPem }),
      );
      expect(extraction).toMatch(/Cannot download the extraction.*redirected from HTTPS to plain HTTP.*refused/);
      expect(existsSync(path.join(dir, "downgraded"))).toBe(false);
    }
    expect(plain.requests).toEqual([]); // nothing was asked in clear
    expect((await download(`${secure.url}/moved`, { extraCa: ca })).finalUrl).toBe(`${secure.url}/list.xml`);
  });

  it.skipIf(!existsSync("/proc/self/cmdline"))(
    "the import child gets its options over IPC: the proxy credentials are on no command line",
    async () => {
      const extraction = (await writeExtraction(path.join(dir, "src"), { lines: 300, seed: 7, fixtures: FIXTURES, date: "202611220415" }))
        .file;
      // An origin that holds the answer until the test has looked at every command line.
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let asked!: () => void;
      const requested = new Promise<void>((r) => (asked = r));
      const origin = http.createServer((_req, res) => {
        asked();
        void released.then(() => {
          const body = readFileSync(extraction);
          res.writeHead(200, { "content-length": body.length, "content-type": "text/plain" }).end(body);
        });
      });
      await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/${path.basename(extraction)}`;
      proxy.seen.length = 0;
      const directory = new OfflineDirectory({ dbPath: path.join(dir, "directory"), extractionSource: url, proxy: withCredentials });
      try {
        const importing = directory.importFromConfiguredSource(() => {});
        await requested; // the import child is running and waiting for its download
        expect(commandLinesContaining("import-child").length).toBeGreaterThan(0);
        expect(commandLinesContaining(SECRET_MARK)).toEqual([]);
        expect(commandLinesContaining(encodeURIComponent(PASSWORD))).toEqual([]);
        release();
        await importing;
        expect(proxy.seen).toEqual([`GET ${url}`]);
        expect(directory.status().count).toBeGreaterThan(0);
      } finally {
        release();
        await directory.close();
        origin.closeAllConnections();
        await new Promise((r) => origin.close(r));
      }
    },
  );
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultConfig } from "../config/config.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { RETRY_ON_DEMAND_MS, TrustSpace, trustOptionsFromConfig } from "./trust-service.ts";
import type { SrvResolver } from "./discover.ts";

const FALLBACK = fileURLToPath(new URL("./fallback-whitelist.xml", import.meta.url));
const NS = "https://listeblanche.mssante.fr/schema";
const list = (domains: string[]) => `<L xmlns="${NS}">${domains.map((d) => `<Domaine><Nom>${d}</Nom></Domaine>`).join("")}</L>`;

describe("TrustSpace", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "mss-trust-unit-"));
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the bundled test list from a file source, marked test-only", async () => {
    const t = new TrustSpace({ whitelistSource: FALLBACK, cacheDir: null, refreshHours: 0, resolver: { resolveSrv: async () => [] } });
    expect(t.check("a@mssante.test").verdict).toBe("unknown"); // nothing loaded yet
    await t.start();
    expect(t.check("a@mssante.test").verdict).toBe("trusted");
    expect(t.list().testOnly).toBe(true);
    expect(t.list().date).toBe("2026-01-01T00:00:00.000Z");
    t.close();
  });

  it("refreshes on its schedule and keeps the last good list when the file turns bad", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const file = path.join(dir, "list.xml");
    writeFileSync(file, list(["a.test"]));
    const t = new TrustSpace({
      whitelistSource: file,
      cacheDir: path.join(dir, "cache"),
      refreshHours: 1,
      resolver: { resolveSrv: async () => [] },
    });
    await t.start();
    expect(t.check("x@a.test").verdict).toBe("trusted");
    writeFileSync(file, list(["a.test", "b.test"]));
    vi.advanceTimersByTime(3_600_000);
    await t.refresh(); // joins the refresh the timer started
    expect(t.check("x@b.test").verdict).toBe("trusted");
    writeFileSync(file, "<broken");
    vi.advanceTimersByTime(3_600_000);
    await t.refresh();
    expect(t.lastError).toMatch(/not well-formed/);
    expect(t.check("x@b.test").verdict).toBe("trusted");
    t.close();
  });

  it("discovers through the injected resolver with the trust space confirming hosts", async () => {
    const resolver: SrvResolver = {
      resolveSrv: async (n) => (n.startsWith("_imap") ? [{ name: "imap.cert.mssante.test", port: 143, priority: 20, weight: 0 }] : []),
    };
    const t = new TrustSpace({
      whitelistSource: FALLBACK,
      cacheDir: null,
      refreshHours: 0,
      resolver,
      overrides: { "hopital-exemple.mssante.test": { submission: { host: "smtp.cert.mssante.test", port: 587 } } },
    });
    await t.start();
    const r = (await t.discover("a@hopital-exemple.mssante.test")).targets;
    expect(r.map((x) => [x.service, x.host, x.source, x.confirmed])).toEqual([
      ["imap", "imap.cert.mssante.test", "srv", true], // in cert.mssante.test, a trust-space domain
      ["submission", "smtp.cert.mssante.test", "override", true],
    ]);
    t.close();
  });

  describe("the card login it answers, from the configured operator policies (the one source)", () => {
    // Both fronts; on the certificate front the heavier IMAP host lies outside the domain and the trust space.
    const resolver: SrvResolver = {
      resolveSrv: async (n) => {
        const d = n.replace(/^_\w+\._tcp\./, "");
        const svc = n.startsWith("_imap") ? "imap" : "smtp";
        return [
          { name: `${svc}.psc.${d}`, port: svc === "imap" ? 143 : 587, priority: 10, weight: 0 },
          ...(svc === "imap" ? [{ name: "imap.elsewhere.example", port: 143, priority: 20, weight: 90 }] : []),
          { name: `${svc}.cert.${d}`, port: svc === "imap" ? 143 : 587, priority: 20, weight: 10 },
        ];
      },
    };
    const policies = [
      { domain: "*", cardFront: "certificate" as const, smtpAuthMethod: 7 },
      { domain: "psc-only.test", cardFront: "psc" as const, smtpAuthMethod: 1 },
    ];

    it("by default: the certificate front, a confirmed target before a heavier unconfirmed one, External", async () => {
      const t = new TrustSpace({ whitelistSource: FALLBACK, cacheDir: null, refreshHours: 0, resolver });
      const r = await t.discover("a@op.test");
      expect(r.targets).toHaveLength(5);
      expect(r.cardLogin).toEqual({
        front: "certificate",
        imap: expect.objectContaining({ host: "imap.cert.op.test", confirmed: true }),
        submission: expect.objectContaining({ host: "smtp.cert.op.test", front: "certificate" }),
        imapAuthMethod: 7,
        smtpAuthMethod: 7,
        loginName: "address",
      });
    });

    it("follows a per-domain policy of the configuration", async () => {
      const t = new TrustSpace({ whitelistSource: FALLBACK, cacheDir: null, refreshHours: 0, resolver, policies });
      expect((await t.discover("a@psc-only.test")).cardLogin).toMatchObject({
        front: "psc",
        imap: { host: "imap.psc.psc-only.test" },
        submission: { host: "smtp.psc.psc-only.test" },
        imapAuthMethod: 7,
        smtpAuthMethod: 1,
      });
      expect((await t.discover("a@op.test")).cardLogin).toMatchObject({
        front: "certificate",
        imap: { host: "imap.cert.op.test" },
        smtpAuthMethod: 7,
      });
    });

    it("says what to fix in a wrong policy instead of answering with it", async () => {
      const wrong = [{ domain: "*", cardFront: "password", smtpAuthMethod: 7 }] as unknown as typeof policies;
      const t = new TrustSpace({ whitelistSource: FALLBACK, cacheDir: null, refreshHours: 0, resolver, policies: wrong });
      await expect(t.discover("a@op.test")).rejects.toMatchObject({
        code: ErrorCode.DISCOVERY_FAILED,
        message: expect.stringMatching(/discovery\.policies\[0\]\.cardFront must be "certificate" or "psc".*config\.json/),
      });
    });

    it("takes the policies from the bridge's configuration", () => {
      const c = defaultConfig();
      c.discovery.policies = policies;
      expect(trustOptionsFromConfig(c, "/data").policies).toEqual(policies);
    });
  });

  it("with no list and no saved copy, says so with a typed error (never an empty list) and tries the source again on demand", async () => {
    const file = path.join(dir, "later.xml"); // not there yet: a bridge started offline
    const t = new TrustSpace({
      whitelistSource: file,
      cacheDir: path.join(dir, "cache"),
      refreshHours: 0,
      resolver: { resolveSrv: async () => [] },
    });
    await t.start();
    let err: unknown;
    try {
      t.list();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe(ErrorCode.TRUST_LIST_UNAVAILABLE);
    expect((err as BridgeError).message).toMatch(/No trust-space list is loaded.*Check trust\.whitelistSource/);
    expect(t.check("a@a.test").verdict).toBe("unknown");

    // The source comes back: within a minute nothing is retried, after it the next request retries.
    writeFileSync(file, list(["a.test"]));
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now + 1000);
    const refresh = vi.spyOn(t, "refresh");
    expect(() => t.list()).toThrow(BridgeError);
    expect(refresh).not.toHaveBeenCalled();
    clock.mockReturnValue(now + RETRY_ON_DEMAND_MS + 1000);
    expect(() => t.list()).toThrow(BridgeError); // this request still has no list, but starts a retry
    expect(refresh).toHaveBeenCalledTimes(1);
    clock.mockRestore();
    await t.refresh(); // joins the retry
    expect(t.list()).toEqual({ domains: ["a.test"], date: expect.any(String), testOnly: false });
    t.close();
  });

  it("builds its options from the bridge configuration", () => {
    const c = defaultConfig();
    const o = trustOptionsFromConfig(c, "/data");
    expect(o).toMatchObject({
      whitelistSource: c.trust.whitelistSource,
      cacheDir: path.join("/data", "trust"),
      refreshHours: 24,
      dnsServer: null,
    });
  });
});

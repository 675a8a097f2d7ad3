/**
 * A private dnsmasq serving SRV records on a loopback port, for server-discovery tests.
 * No system resolver involved (--no-resolv --no-hosts): unknown names get NXDOMAIN.
 * Stopped by its PID (never by name).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import os from "node:os";
import path from "node:path";
import { promises as dns } from "node:dns";

export interface SrvHost {
  /** e.g. "_imap._tcp.mssante.test" */
  name: string;
  target: string;
  port: number;
  priority: number;
  weight?: number;
}

export interface Dnsmasq {
  /** "127.0.0.1:<port>" for Resolver.setServers / --dns-server. */
  server: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** A free UDP+TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket("udp4");
      u.once("error", () => resolve(false));
      u.bind(port, "127.0.0.1", () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error("no free loopback port");
}

/**
 * `localDomains` are answered authoritatively (NXDOMAIN for unknown names, like a real zone);
 * without it dnsmasq, having no upstream, answers REFUSED.
 */
export async function startDnsmasq(records: SrvHost[], localDomains: string[] = ["test", "invalid", "example"]): Promise<Dnsmasq> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mss-dnsmasq-"));
  const port = await freePort();
  const args = [
    "-k",
    "-p",
    String(port),
    "--listen-address=127.0.0.1",
    "--bind-interfaces",
    "--no-resolv",
    "--no-hosts",
    "--log-facility=-",
    ...localDomains.map((d) => `--local=/${d}/`),
    `--pid-file=${path.join(dir, "dnsmasq.pid")}`,
    // dnsmasq would otherwise drop privileges to "nobody" and fail to read nothing in particular;
    // running as the invoking user keeps the temp dir usable.
    `--user=${os.userInfo().username || "root"}`,
    ...records.map((r) => `--srv-host=${r.name},${r.target},${r.port},${r.priority},${r.weight ?? 0}`),
  ];
  const child: ChildProcess = spawn("dnsmasq", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  // Ready when it answers a query (NXDOMAIN is an answer).
  const r = new dns.Resolver({ timeout: 200, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dnsmasq exited (${child.exitCode}): ${stderr.trim()}`);
    }
    try {
      await r.resolveSrv("_ready._tcp.invalid");
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Any DNS answer means it is up; only "no answer" means not yet.
      if (code !== "ECONNREFUSED" && code !== "ETIMEOUT") break;
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dnsmasq did not answer on 127.0.0.1:${port}: ${stderr.trim()}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    server: `127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((res) => setTimeout(res, 3000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

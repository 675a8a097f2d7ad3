/**
 * A small bounded HTTP(S) GET for the whitelist: honours an HTTP proxy (CONNECT tunnel for https,
 * absolute-form request for http), extra CA certificates, a size cap, a timeout and a few
 * redirects. Node 20's fetch has no proxy support without extra packages, hence node:http(s).
 */
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { Duplex } from "node:stream";

export interface DownloadOptions {
  /** "http://host:port" of an HTTP proxy; null → HTTPS_PROXY/HTTP_PROXY from the environment (unless NO_PROXY lists the host). */
  proxy?: string | null;
  /** Extra CA certificates (PEM text), trusted in addition to Node's bundled roots. */
  extraCa?: string | null;
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Downloaded {
  body: Buffer;
  finalUrl: string;
  /** The server's Last-Modified, ISO 8601, if any. */
  lastModified: string | null;
}

function proxyFor(url: URL, opts: DownloadOptions): URL | null {
  if (opts.proxy) return new URL(opts.proxy);
  if (opts.proxy === undefined || opts.proxy === null) {
    const env = opts.env ?? process.env;
    const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    const host = url.hostname.toLowerCase();
    if (noProxy.some((n) => n === "*" || host === n.replace(/^\./, "") || host.endsWith(n.startsWith(".") ? n : "." + n))) return null;
    const p = url.protocol === "https:" ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
    return p ? new URL(p) : null;
  }
  return null;
}

/** Opens a CONNECT tunnel through the proxy to host:port. */
function tunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname,
      port: Number(proxy.port) || 80,
      method: "CONNECT",
      path: `${host.includes(":") ? `[${host}]` : host}:${port}`,
      headers: { host: `${host}:${port}` },
      timeout: timeoutMs,
    });
    req.once("connect", (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`the proxy ${proxy.host} refused the tunnel (HTTP ${res.statusCode})`));
      }
    });
    req.once("timeout", () => req.destroy(new Error(`the proxy ${proxy.host} did not answer in time`)));
    req.once("error", (e) => reject(new Error(`cannot reach the proxy ${proxy.host}: ${e.message}`)));
    req.end();
  });
}

async function getOnce(url: URL, opts: DownloadOptions): Promise<http.IncomingMessage> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const proxy = proxyFor(url, opts);
  const ca = opts.extraCa ? [...tls.rootCertificates, opts.extraCa] : undefined;
  const headers = { "user-agent": "mss-bridge", accept: "application/xml, text/xml, */*" };
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  let req: http.ClientRequest;
  if (url.protocol === "https:") {
    const socket = proxy ? await tunnel(proxy, url.hostname, port, timeoutMs) : undefined;
    req = https.request({
      host: url.hostname,
      port,
      path: url.pathname + url.search,
      method: "GET",
      headers,
      ca,
      servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
      timeout: timeoutMs,
      ...(socket ? { createConnection: () => tls.connect({ socket, servername: url.hostname, ca }) } : {}),
      agent: false,
    });
  } else if (url.protocol === "http:") {
    req = proxy
      ? http.request({ host: proxy.hostname, port: Number(proxy.port) || 80, path: url.href, method: "GET", headers: { ...headers, host: url.host }, timeout: timeoutMs })
      : http.request(url, { method: "GET", headers, timeout: timeoutMs });
  } else {
    throw new Error(`unsupported URL scheme ${url.protocol}`);
  }
  return new Promise((resolve, reject) => {
    req.once("response", resolve);
    req.once("timeout", () => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
    req.once("error", reject);
    req.end();
  });
}

/** Downloads `source` into memory (bounded). Throws an Error whose message says what failed. */
export async function download(source: string, opts: DownloadOptions = {}): Promise<Downloaded> {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  let url = new URL(source);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(url, opts);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= (opts.maxRedirects ?? 3)) throw new Error(`too many redirects from ${source}`);
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new Error(`HTTP ${status} from ${url.host}`);
    }
    const declared = Number(res.headers["content-length"] ?? NaN);
    if (declared > maxBytes) {
      res.destroy();
      throw new Error(`the file is larger than ${maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    await new Promise<void>((resolve, reject) => {
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) res.destroy(new Error(`the file is larger than ${maxBytes} bytes`));
        else chunks.push(c);
      });
      res.once("end", () => (res.complete ? resolve() : reject(new Error("the download was cut before its end"))));
      res.once("aborted", () => reject(new Error("the download was cut before its end")));
      res.once("error", reject);
      res.once("close", () => {
        if (!res.complete) reject(new Error("the download was cut before its end"));
      });
    });
    if (!Number.isNaN(declared) && size !== declared) throw new Error(`the download was cut before its end (${size} of ${declared} bytes)`);
    const lm = res.headers["last-modified"];
    const lmDate = lm ? new Date(lm) : null;
    return {
      body: Buffer.concat(chunks),
      finalUrl: url.href,
      lastModified: lmDate && !Number.isNaN(lmDate.getTime()) ? lmDate.toISOString() : null,
    };
  }
}

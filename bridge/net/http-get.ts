/**
 * One HTTP(S) GET, with redirects, through an optional HTTP proxy: the part the two downloaders
 * (trust-space list: bridge/trust/download.ts; directory extraction:
 * bridge/directory/import/download.ts) share. Node 20's fetch has no proxy support without extra
 * packages, hence node:http(s).
 *
 * - Proxy: the configured one, else HTTPS_PROXY/HTTP_PROXY; none for a host NO_PROXY lists.
 *   https goes through a CONNECT tunnel, http as an absolute-form request to the proxy.
 * - Proxy credentials: `http://user:password@proxy:port` (percent-encoded in the URL) are sent as
 *   `Proxy-Authorization: Basic`, on the CONNECT and on plain HTTP requests. They appear in no
 *   message: errors name the proxy by host:port only.
 * - Redirects: followed up to a limit; a redirect from https to plain http is refused.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";

export interface GetOptions {
  /** Configured proxy ("http://[user:password@]host:port"); null/undefined → HTTPS_PROXY/HTTP_PROXY. */
  proxy?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Extra CA certificates (PEM text), trusted in addition to Node's bundled roots. */
  extraCa?: string | null;
  timeoutMs: number;
  headers: Record<string, string>;
}

/** The proxy for `url`, or null: NO_PROXY first, then the configured proxy, then the environment. */
export function proxyFor(url: URL, configured: string | null | undefined, env: NodeJS.ProcessEnv): URL | null {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const host = url.hostname.toLowerCase();
  if (noProxy.some((n) => n === "*" || host === n.replace(/^\./, "") || host.endsWith(n.startsWith(".") ? n : `.${n}`))) return null;
  const p =
    configured || (url.protocol === "https:" ? (env.HTTPS_PROXY ?? env.https_proxy) : null) || env.HTTP_PROXY || env.http_proxy || null;
  if (!p) return null;
  let proxy: URL | null = null;
  try {
    proxy = new URL(p);
  } catch {
    /* below */
  }
  // "proxy:3128" parses as a URL of scheme "proxy:": only http://host[:port] is an HTTP proxy.
  if (proxy?.protocol !== "http:" || !proxy.hostname) {
    // The value may hold credentials: not repeated.
    throw new Error("the proxy setting is not an http:// URL with a host (expected http://host:port or http://user:password@host:port)");
  }
  return proxy;
}

/** `Proxy-Authorization` for a proxy URL with credentials (Basic, percent-decoded), else null. */
export function proxyAuthorization(proxy: URL): string | null {
  if (!proxy.username && !proxy.password) return null;
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(proxy.username);
    password = decodeURIComponent(proxy.password);
  } catch {
    throw new Error(`the credentials in the proxy URL for ${proxy.host} are not valid percent-encoding (write a % as %25)`);
  }
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

function proxyRefused(proxy: URL, status: number | undefined): Error {
  if (status === 407) {
    return new Error(
      proxy.username || proxy.password
        ? `the proxy ${proxy.host} refused the credentials given in the proxy URL (HTTP 407); check the user name and password`
        : `the proxy ${proxy.host} asks for credentials (HTTP 407); give them in the proxy URL: http://user:password@${proxy.host}`,
    );
  }
  return new Error(`the proxy ${proxy.host} refused the connection (HTTP ${status})`);
}

/** A host name without IPv6 brackets, and whether it may be sent as TLS SNI (not an IP address). */
function bareHost(url: URL): { host: string; servername: string | undefined } {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return { host, servername: net.isIP(host) ? undefined : host };
}

/** Opens a CONNECT tunnel through the proxy to the URL's host and port. */
function tunnel(proxy: URL, auth: string | null, url: URL, port: number, timeoutMs: number): Promise<Duplex> {
  const target = `${url.hostname}:${port}`; // hostname keeps IPv6 brackets, as CONNECT needs
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxy.port) || 80,
      method: "CONNECT",
      path: target,
      headers: { host: target, ...(auth ? { "proxy-authorization": auth } : {}) },
      timeout: timeoutMs,
      agent: false,
    });
    req.once("connect", (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(proxyRefused(proxy, res.statusCode));
      }
    });
    req.once("timeout", () => req.destroy(new Error(`the proxy ${proxy.host} did not answer in time`)));
    req.once("error", (e) => reject(new Error(`cannot reach the proxy ${proxy.host}: ${e.message}`)));
    req.end();
  });
}

/** One GET (no redirect handling). Rejects with an Error whose message says what failed. */
export async function getOnce(url: URL, opts: GetOptions): Promise<http.IncomingMessage> {
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`unsupported URL scheme ${url.protocol}`);
  const proxy = proxyFor(url, opts.proxy, opts.env ?? process.env);
  const auth = proxy ? proxyAuthorization(proxy) : null;
  const ca = opts.extraCa ? [...tls.rootCertificates, opts.extraCa] : undefined;
  const timeout = opts.timeoutMs;
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const { host, servername } = bareHost(url);
  let req: http.ClientRequest;
  if (url.protocol === "https:") {
    const socket = proxy ? await tunnel(proxy, auth, url, port, timeout) : undefined;
    req = https.request({
      host,
      port,
      path: url.pathname + url.search,
      method: "GET",
      headers: opts.headers,
      ca,
      servername,
      timeout,
      agent: false,
      ...(socket ? { createConnection: () => tls.connect({ socket, servername, ca }) } : {}),
    });
  } else if (proxy) {
    req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxy.port) || 80,
      path: url.href,
      method: "GET",
      headers: { ...opts.headers, host: url.host, ...(auth ? { "proxy-authorization": auth } : {}) },
      timeout,
      agent: false,
    });
  } else {
    req = http.request({ host, port, path: url.pathname + url.search, method: "GET", headers: opts.headers, timeout, agent: false });
  }
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once("response", resolve);
    req.once("timeout", () => req.destroy(new Error(`no answer from ${url.host} within ${timeout} ms`)));
    req.once("error", reject);
    req.end();
  });
  if (proxy && url.protocol === "http:" && res.statusCode === 407) {
    res.resume();
    throw proxyRefused(proxy, 407);
  }
  return res;
}

/**
 * Where a redirect leads. Refuses a downgrade from https to plain http (what was asked for over
 * TLS must not arrive in clear, open to tampering on the way) and any scheme but http(s).
 */
export function redirectTarget(from: URL, location: string): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new Error(`${from.host} answered with an invalid redirect`);
  }
  if (to.protocol !== "https:" && to.protocol !== "http:")
    throw new Error(`${from.host} redirected to an unsupported scheme (${to.protocol})`);
  if (from.protocol === "https:" && to.protocol === "http:") {
    throw new Error(
      `${from.host} redirected from HTTPS to plain HTTP (${to.host}); an unencrypted download is refused. Give the file's https address, or ask its server to keep https`,
    );
  }
  return to;
}

/** GET with redirects followed (at most `maxRedirects`): the final response and its URL. */
export async function httpGet(
  source: URL,
  opts: GetOptions & { maxRedirects: number },
): Promise<{ response: http.IncomingMessage; url: URL }> {
  let url = source;
  for (let hop = 0; ; hop++) {
    const response = await getOnce(url, opts);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= opts.maxRedirects) throw new Error(`too many redirects from ${source.host}`);
      url = redirectTarget(url, response.headers.location);
      continue;
    }
    return { response, url };
  }
}

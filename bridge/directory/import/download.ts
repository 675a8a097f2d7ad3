/**
 * Streaming download of the extraction to a local file (the ZIP's index is at its end, so it must
 * be complete on disk before it is read). Honours an HTTP proxy (configuration, else
 * HTTPS_PROXY/HTTP_PROXY, minus NO_PROXY) with CONNECT for https, and extra CA certificates.
 * A download that stops before Content-Length is an error and leaves no file behind.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { createWriteStream, readFileSync, unlinkSync } from "node:fs";
import { ImportError } from "./import-error.ts";

export interface DownloadOptions {
  proxy?: string | null;
  extraCaFile?: string | null;
  /** Called with bytes received and the total when known. */
  onProgress?: (done: number, total: number | null) => void;
  maxBytes?: number;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Downloaded {
  file: string;
  /** File name from Content-Disposition or the URL's last path segment. */
  name: string | null;
  bytes: number;
}

export function proxyFor(url: URL, configured: string | null | undefined, env: NodeJS.ProcessEnv): URL | null {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = url.hostname.toLowerCase();
  if (noProxy.some((n) => n === "*" || host === n.replace(/^\./, "") || host.endsWith(n.startsWith(".") ? n : "." + n))) return null;
  const p =
    configured ||
    (url.protocol === "https:" ? env.HTTPS_PROXY ?? env.https_proxy : null) ||
    env.HTTP_PROXY ||
    env.http_proxy ||
    null;
  return p ? new URL(p) : null;
}

function nameFrom(res: http.IncomingMessage, url: URL): string | null {
  const cd = res.headers["content-disposition"];
  const m = cd ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd) : null;
  if (m?.[1]) return decodeURIComponent(m[1]);
  const last = url.pathname.split("/").filter(Boolean).pop();
  return last ? decodeURIComponent(last) : null;
}

function request(url: URL, opts: DownloadOptions): Promise<http.IncomingMessage> {
  const env = opts.env ?? process.env;
  const proxy = proxyFor(url, opts.proxy, env);
  const ca = opts.extraCaFile ? [...tls.rootCertificates, readFileSync(opts.extraCaFile, "utf8")] : undefined;
  const timeout = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => reject(e);
    const headers = { "user-agent": "mss-bridge", accept: "*/*" };
    if (url.protocol === "http:") {
      const target = proxy
        ? { host: proxy.hostname, port: Number(proxy.port) || 80, path: url.href, headers: { ...headers, host: url.host } }
        : { host: url.hostname, port: Number(url.port) || 80, path: url.pathname + url.search, headers };
      const req = http.get({ ...target, timeout }, resolve);
      req.on("timeout", () => req.destroy(new Error("the server did not answer in time")));
      req.on("error", fail);
      return;
    }
    const port = Number(url.port) || 443;
    const go = (socket?: net.Socket) => {
      const req = https.get(
        {
          host: url.hostname,
          port,
          path: url.pathname + url.search,
          headers,
          ca,
          timeout,
          servername: url.hostname,
          ...(socket ? { createConnection: () => tls.connect({ socket, servername: url.hostname, ca }) } : {}),
        },
        resolve,
      );
      req.on("timeout", () => req.destroy(new Error("the server did not answer in time")));
      req.on("error", fail);
    };
    if (!proxy) return go();
    const connect = http.request({
      host: proxy.hostname,
      port: Number(proxy.port) || 80,
      method: "CONNECT",
      path: `${url.hostname}:${port}`,
      headers: { host: `${url.hostname}:${port}` },
      timeout,
    });
    connect.on("connect", (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`the proxy refused the connection (HTTP ${res.statusCode})`));
        return;
      }
      go(socket);
    });
    connect.on("timeout", () => connect.destroy(new Error("the proxy did not answer in time")));
    connect.on("error", fail);
    connect.end();
  });
}

export async function downloadToFile(source: string, file: string, opts: DownloadOptions = {}): Promise<Downloaded> {
  let url = new URL(source);
  let res: http.IncomingMessage | null = null;
  try {
    for (let redirects = 0; ; redirects++) {
      res = await request(url, opts);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects < 5) {
        res.resume();
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status !== 200) {
        res.resume();
        throw new ImportError("io", `The download of ${url.host} failed with HTTP ${status}. Try again later or check the configured extraction URL.`);
      }
      break;
    }
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError("io", `Cannot download the extraction from ${url.host}: ${(e as Error).message}. Check the network, the proxy setting and the URL.`);
  }
  const response = res!;
  const lengthHeader = response.headers["content-length"];
  const total = lengthHeader ? Number(lengthHeader) : null;
  const max = opts.maxBytes ?? 2 * 1024 ** 3;
  if (total !== null && total > max) {
    response.destroy();
    throw new ImportError("input", `The server announces ${total} bytes, more than the ${max} allowed for an extraction.`);
  }
  const out = createWriteStream(file, { flags: "wx", mode: 0o600 });
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = false;
      const fail = (e: Error) => {
        if (finished) return;
        finished = true;
        response.destroy();
        out.destroy();
        reject(e);
      };
      response.on("data", (chunk: Buffer) => {
        done += chunk.length;
        if (done > max) return fail(new ImportError("input", `The download exceeds ${max} bytes; it is not an extraction.`));
        opts.onProgress?.(done, total);
        if (!out.write(chunk)) {
          response.pause();
          out.once("drain", () => response.resume());
        }
      });
      const cut = () => new Error(`the connection was cut after ${done} of ${total ?? "?"} bytes`);
      response.on("aborted", () => fail(cut()));
      response.on("error", (e) => fail(/aborted|ECONNRESET/i.test(e.message) ? cut() : e));
      response.on("end", () => {
        if (finished) return;
        if (!response.complete || (total !== null && done !== total)) return fail(cut());
        finished = true;
        out.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
      response.on("close", () => {
        if (!finished && !response.complete) fail(cut());
      });
      out.on("error", (e) => fail(e));
    });
  } catch (e) {
    try {
      unlinkSync(file);
    } catch {
      /* nothing written */
    }
    if (e instanceof ImportError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOSPC") throw new ImportError("io", "The disk is full: the download could not be saved. Free some space and import again.");
    throw new ImportError("io", `The download from ${url.host} failed: ${err.message}. The previous directory is still in use; try again.`);
  }
  return { file, name: nameFrom(response, url), bytes: done };
}

/**
 * A small bounded HTTP(S) GET for the whitelist: an HTTP proxy (with credentials), extra CA
 * certificates, a few redirects (never https → http) through bridge/net/http-get.ts, plus a size
 * cap and a cut-download check here.
 */
import { httpGet } from "../net/http-get.ts";

export interface DownloadOptions {
  /** "http://[user:password@]host:port" of an HTTP proxy; null → HTTPS_PROXY/HTTP_PROXY from the environment (unless NO_PROXY lists the host). */
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

/** Downloads `source` into memory (bounded). Throws an Error whose message says what failed. */
export async function download(source: string, opts: DownloadOptions = {}): Promise<Downloaded> {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const { response: res, url } = await httpGet(new URL(source), {
    proxy: opts.proxy,
    extraCa: opts.extraCa,
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxRedirects: opts.maxRedirects ?? 3,
    headers: { "user-agent": "mss-bridge", accept: "application/xml, text/xml, */*" },
    ...(opts.env ? { env: opts.env } : {}),
  });
  const status = res.statusCode ?? 0;
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

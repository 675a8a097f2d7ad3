/**
 * Streaming download of the extraction to a local file (the ZIP's index is at its end, so it must
 * be complete on disk before it is read). The request itself (HTTP proxy with credentials,
 * CONNECT for https, extra CA, redirects never from https to http) is bridge/net/http-get.ts.
 * A download that stops before Content-Length is an error and leaves no file behind.
 */
import type http from "node:http";
import { createWriteStream, readFileSync, unlinkSync } from "node:fs";
import { httpGet } from "../../net/http-get.ts";
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

function nameFrom(res: http.IncomingMessage, url: URL): string | null {
  const cd = res.headers["content-disposition"];
  const m = cd ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd) : null;
  if (m?.[1]) return decodeURIComponent(m[1]);
  const last = url.pathname.split("/").filter(Boolean).pop();
  return last ? decodeURIComponent(last) : null;
}

export async function downloadToFile(source: string, file: string, opts: DownloadOptions = {}): Promise<Downloaded> {
  let url = new URL(source);
  let res: http.IncomingMessage | null = null;
  try {
    ({ response: res, url } = await httpGet(url, {
      proxy: opts.proxy,
      extraCa: opts.extraCaFile ? readFileSync(opts.extraCaFile, "utf8") : null,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxRedirects: 5,
      headers: { "user-agent": "mss-bridge", accept: "*/*" },
      ...(opts.env ? { env: opts.env } : {}),
    }));
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      throw new ImportError(
        "io",
        `The download of ${url.host} failed with HTTP ${status}. Try again later or check the configured extraction URL.`,
      );
    }
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(
      "io",
      `Cannot download the extraction from ${url.host}: ${(e as Error).message}. Check the network, the proxy setting and the URL.`,
    );
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
    if (err.code === "ENOSPC")
      throw new ImportError("io", "The disk is full: the download could not be saved. Free some space and import again.");
    throw new ImportError("io", `The download from ${url.host} failed: ${err.message}. The previous directory is still in use; try again.`);
  }
  return { file, name: nameFrom(response, url), bytes: done };
}

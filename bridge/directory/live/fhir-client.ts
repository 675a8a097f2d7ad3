/**
 * One GET to the FHIR Annuaire Santé API with the API key, through the configured proxy and extra CA
 * (bridge/net/http-get.ts), and what came back: a parsed body, or why not.
 *
 * - The key travels only in the `ESANTE-API-KEY` header, only to the configured API's origin: a
 *   `next` link that points elsewhere is refused before anything is sent. No message here contains
 *   the key or the URL (whose query is the typed text): errors name the API's host and the status.
 * - No redirect is followed (the key would go with it).
 * - One deadline covers the connection, the answer and the body; a body over 8 MiB is cut.
 */
import { readFileSync } from "node:fs";
import type http from "node:http";
import { getOnce } from "../../net/http-get.ts";

const API_KEY_HEADER = "ESANTE-API-KEY";
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** The longest a Retry-After is honoured (a longer one is taken as this). */
const MAX_RETRY_AFTER_MS = 60_000;

export type FhirAnswer =
  | { ok: true; body: unknown }
  | { ok: false; kind: "unauthorized" | "rate-limited" | "unreachable"; retryAfterMs: number | null; message: string };

export type FhirGet = (url: URL) => Promise<FhirAnswer>;

export interface FhirClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  proxy: string | null;
  extraCaFile: string | null;
  env?: NodeJS.ProcessEnv;
}

/** Retry-After in milliseconds (seconds or an HTTP date), bounded; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: number): number | null {
  if (!header) return null;
  const s = header.trim();
  const ms = /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : null;
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on("data", (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY_BYTES) res.destroy(new Error(`an answer over ${MAX_BODY_BYTES} bytes`));
      else parts.push(d);
    });
    res.once("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    res.once("error", reject);
    res.once("aborted", () => reject(new Error("the answer was cut")));
  });
}

function classify(status: number, host: string, res: http.IncomingMessage): FhirAnswer {
  if (status === 401 || status === 403) {
    return { ok: false, kind: "unauthorized", retryAfterMs: null, message: `${host} refused the API key (HTTP ${status})` };
  }
  if (status === 429) {
    const after = retryAfterMs(res.headers["retry-after"], Date.now());
    return { ok: false, kind: "rate-limited", retryAfterMs: after, message: `${host} asked to slow down (HTTP 429)` };
  }
  return { ok: false, kind: "unreachable", retryAfterMs: null, message: `${host} answered HTTP ${status}` };
}

/** The GET the live directory uses, bound to one key and one API. */
export function createFhirGet(opts: FhirClientOptions): FhirGet {
  const origin = new URL(opts.baseUrl).origin;
  const extraCa = opts.extraCaFile ? readFileSync(opts.extraCaFile, "utf8") : null;
  return async (url) => {
    if (url.origin !== origin) {
      return { ok: false, kind: "unreachable", retryAfterMs: null, message: `a link of the API pointed to another server (${url.host})` };
    }
    const controller = { res: null as http.IncomingMessage | null, timedOut: false };
    const timer = setTimeout(() => {
      controller.timedOut = true;
      controller.res?.destroy();
    }, opts.timeoutMs);
    try {
      const res = await getOnce(url, {
        proxy: opts.proxy,
        extraCa,
        timeoutMs: opts.timeoutMs,
        headers: { [API_KEY_HEADER]: opts.apiKey, accept: "application/fhir+json", "user-agent": "mss-bridge" },
        ...(opts.env ? { env: opts.env } : {}),
      });
      controller.res = res;
      if (controller.timedOut) res.destroy();
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        return classify(status, url.host, res);
      }
      const text = await readBody(res);
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        return { ok: false, kind: "unreachable", retryAfterMs: null, message: `${url.host} answered something that is not JSON` };
      }
    } catch (e) {
      const why = controller.timedOut ? `no answer within ${opts.timeoutMs} ms` : (e as Error).message;
      return { ok: false, kind: "unreachable", retryAfterMs: null, message: `${url.host} could not be reached: ${why}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * A REPLAY of ANS's FHIR Annuaire Santé API (v2) on 127.0.0.1, for the live directory's tests. The
 * real API has no test environment (production data only, ANS's documentation says so), so the
 * tests cannot reach it: this server answers with the example resources of ANS's documentation and
 * implementation guide kept in test/fixtures/fhir/ (each file names its source; what had to be built
 * because the examples are partial is said there), served in searchset Bundles at the paths and
 * search parameters the bridge uses. It checks the ESANTE-API-KEY header (401 with an
 * OperationOutcome otherwise), records every request (path, query, key header) and can be made to
 * fail: any status (5xx, 401, 429 with Retry-After), or never answer (a timeout).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "fhir");
export const FHIR_BASE_PATH = "/fhir/v2";

/** A fixture's response body, with `[base]` replaced by this server's base URL. */
export function fhirFixture(name: string, base = "http://127.0.0.1"): unknown {
  const file = JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as { response: unknown };
  return JSON.parse(JSON.stringify(file.response).replaceAll("[base]", base));
}

/** Which fixture answers a search: by resource type and the value of its first distinctive parameter. */
const ROUTES: { type: string; param: string; value: string; fixture: string }[] = [
  { type: "Practitioner", param: "name", value: "chatelier", fixture: "practitioner-chatelier.json" },
  { type: "Practitioner", param: "mailbox-mss", value: "davidchatelier@pro.mssante.fr", fixture: "practitioner-chatelier.json" },
  { type: "Practitioner", param: "name", value: "dupont", fixture: "practitioner-dupont-page1.json" },
  { type: "", param: "_getpages", value: "dupont", fixture: "practitioner-dupont-page2.json" },
  { type: "Organization", param: "name", value: "nancy", fixture: "organization-nancy.json" },
  { type: "Organization", param: "mailbox-mss", value: "exemple.address@address.mssante.fr", fixture: "organization-nancy.json" },
];

export interface FhirRequest {
  path: string;
  query: Record<string, string>;
  /** The ESANTE-API-KEY header as received (tests check it came, and went nowhere else). */
  apiKey: string | null;
  at: number;
}

export type FhirFailure = { status: number; retryAfter?: string } | { hang: true };

export interface FhirReplayServer {
  /** The base URL the bridge is configured with (…/fhir/v2). */
  baseUrl: string;
  requests: FhirRequest[];
  /** When set, every request gets this instead of the replay. */
  fail: FhirFailure | null;
  close(): Promise<void>;
}

export async function startFhirReplay(opts: { apiKey: string }): Promise<FhirReplayServer> {
  const requests: FhirRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  let base = "";
  const state: { fail: FhirFailure | null } = { fail: null };
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
    res.writeHead(status, { "content-type": "application/fhir+json;charset=utf-8", ...headers }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const key = req.headers["esante-api-key"];
    const query = Object.fromEntries(url.searchParams);
    requests.push({ path: url.pathname, query, apiKey: typeof key === "string" ? key : null, at: Date.now() });
    const fail = state.fail;
    if (fail && "hang" in fail) {
      hanging.add(res);
      return;
    }
    if (fail) {
      const body = fail.status === 401 ? fhirFixture("operation-outcome-401.json", base) : { resourceType: "OperationOutcome", issue: [] };
      return send(res, fail.status, body, fail.retryAfter ? { "retry-after": fail.retryAfter } : {});
    }
    if (key !== opts.apiKey) return send(res, 401, fhirFixture("operation-outcome-401.json", base));
    if (!url.pathname.startsWith(FHIR_BASE_PATH)) return send(res, 404, { resourceType: "OperationOutcome", issue: [] });
    const type = url.pathname.slice(FHIR_BASE_PATH.length).replace(/^\/+/, "");
    // FHIR string search (`name`) matches the start of a name, case and accents aside; the others exactly.
    const matches = (r: (typeof ROUTES)[number], v: string | undefined) =>
      v !== undefined && (r.param === "name" ? v.length > 0 && r.value.startsWith(v.toLowerCase()) : v.toLowerCase() === r.value);
    const route = ROUTES.find((r) => r.type === type && matches(r, query[r.param]));
    send(res, 200, fhirFixture(route?.fixture ?? "empty.json", base));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}${FHIR_BASE_PATH}`;
  return {
    baseUrl: base,
    requests,
    get fail() {
      return state.fail;
    },
    set fail(f) {
      state.fail = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Checks made on the HTTP upgrade request, before any WebSocket exists (docs/domain/threat-model.md):
 * - Host: a DNS-rebinding page sends its own name ("evil.example", "127.0.0.1.nip.io"), so only the
 *   loopback literals and `localhost` with our exact port pass.
 * - Origin: web pages cannot send a `moz-extension://` origin; once an extension is paired only the
 *   paired origins pass, except while a code-pairing window is open (a new installation pairs).
 * Pure functions: no I/O.
 */

import { isExtensionOrigin } from "../pairing/extension-origin.ts";

export type CheckResult = { ok: true } | { ok: false; reason: string };

export function checkHost(host: string | undefined, port: number): CheckResult {
  if (!host) return { ok: false, reason: "missing Host" };
  const h = host.toLowerCase();
  const allowed = [`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`];
  return allowed.includes(h) ? { ok: true } : { ok: false, reason: "Host is not the bridge's loopback address and port" };
}

export interface OriginPolicy {
  isPaired(origin: string): boolean;
  hasAnyPairing(): boolean;
  pairingWindowOpen(): boolean;
}

export function checkOrigin(origin: string | undefined, policy: OriginPolicy): CheckResult {
  if (!origin) return { ok: false, reason: "missing Origin" };
  if (!isExtensionOrigin(origin)) return { ok: false, reason: "Origin is not a Thunderbird extension" };
  if (!policy.hasAnyPairing() || policy.pairingWindowOpen() || policy.isPaired(origin)) return { ok: true };
  return { ok: false, reason: "Origin is not paired with this bridge" };
}

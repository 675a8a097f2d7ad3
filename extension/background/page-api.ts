/**
 * The background's small internal message API for the extension's own pages (setup page, popup,
 * guard dialog), over runtime.onMessage. Only messages from this extension arrive here (Thunderbird
 * does not deliver other extensions' runtime messages without onMessageExternal).
 *
 *   {kind: "status.get"}                       → ExtensionStatus
 *   {kind: "bridge.call", method, params}      → {ok: true, result} | {ok: false, error: {code, message}}
 *        (only the methods in PAGE_METHODS)
 *   {kind: "bridge.reconnect"}                 → {ok: true}
 *   {kind: "pair.native"}                      → {ok: true} | {ok: false, error}
 *   {kind: "pair.code", code, port?}           → {ok: true} | {ok: false, error}
 *   {kind: "setup.done", account}              → {ok: true}  (records the account, applies card state)
 *   {kind: "guard.get" | "guard.choose", …}    → see guard-dialog.ts
 * The background pushes {kind: "status", status} to open pages on every change.
 */
import type { MethodName } from "../../shared/protocol/schemas.ts";
import { checkParams, isMethodName } from "../../shared/protocol/validate.ts";
import { ClientError } from "./client-error.ts";

/** What pages may ask the bridge for (no pairing or session method: the background owns those). */
export const PAGE_METHODS: readonly MethodName[] = [
  "bridge.status",
  "card.getState",
  "card.getIdentity",
  "card.getPinStatus",
  "card.getModuleInfo",
  "card.installModuleManifest",
  "directory.search",
  "directory.lookupByIdNat",
  "directory.lookupByAddress",
  "directory.status",
  "trust.check",
  "trust.list",
  "discovery.discover",
];

export interface PageError {
  code: string;
  message: string;
}

export type PageReply<T = unknown> = { ok: true; result: T } | { ok: false; error: PageError };

export function toPageError(e: unknown): PageError {
  if (e instanceof ClientError) return { code: e.code, message: e.message };
  return { code: "UNKNOWN", message: e instanceof Error ? e.message : String(e) };
}

/** Pure validation of a page's bridge.call request. */
export function checkPageCall(msg: {
  method?: unknown;
  params?: unknown;
}): { method: MethodName; params: Record<string, unknown> } | PageError {
  if (typeof msg.method !== "string" || !isMethodName(msg.method) || !PAGE_METHODS.includes(msg.method)) {
    return { code: "METHOD_NOT_FOUND", message: "method not available to pages" };
  }
  const params = (msg.params ?? {}) as Record<string, unknown>;
  const err = checkParams(msg.method, params);
  if (err) return { code: "INVALID_PARAMS", message: err };
  return { method: msg.method, params };
}

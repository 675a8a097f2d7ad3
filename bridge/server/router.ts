/**
 * Authenticated methods → services. The router does no work of its own: it calls the service,
 * bounds the time it may take, and shapes the result as the schema says.
 */
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { MethodName, Params } from "../../shared/protocol/schemas.ts";
import { PKCS11_MANIFEST_NAME } from "../../shared/constants.ts";
import { lookupWithLive } from "../directory/live/lookup-with-live.ts";
import type { ServerContext } from "./context.ts";

/** A method's handler; session.ts checks the params against the method's schema before calling it. */
type Handler<M extends MethodName> = (params: Params<M>, ctx: ServerContext) => Promise<unknown>;

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BridgeError(
            ErrorCode.TIMEOUT,
            `${what} took longer than ${Math.round(ms / 1000)} s. Check the reader and the card, then try again.`,
          ),
        ),
      ms,
    );
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Card operations carry their own timeout in the token layer (it kills the stuck PKCS#11 child, so
 * a retry is a fresh attempt). The router's is only a backstop behind it: were it to fire first, the
 * client would retry while the stuck read is still pending and share its failure.
 */
export const CARD_BACKSTOP_MS = 5_000;
const card = <T>(ctx: ServerContext, p: () => Promise<T>, what: string) =>
  withTimeout(Promise.resolve().then(p), ctx.limits.cardOperationTimeoutMs + CARD_BACKSTOP_MS, what);
const other = <T>(ctx: ServerContext, p: () => Promise<T>, what: string) =>
  withTimeout(Promise.resolve().then(p), ctx.limits.operationTimeoutMs, what);

/** Contexts (bridges) with an import under way: one at a time per bridge. */
const importing = new WeakSet<ServerContext>();

export const handlers: { [M in MethodName]?: Handler<M> } = {
  "bridge.status": async (_p, ctx) => ({
    bridgeVersion: ctx.bridgeVersion,
    demo: ctx.demo,
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    pid: process.pid,
    lifecycle: ctx.lifecycle,
    card: ctx.services.card.getState(),
    directory: ctx.services.directory.status(),
  }),
  "card.getState": async (_p, ctx) => ctx.services.card.getState(),
  "card.getIdentity": (_p, ctx) => card(ctx, () => ctx.services.card.getIdentity(), "Reading the card's identity"),
  "card.getPinStatus": (_p, ctx) => card(ctx, () => ctx.services.card.getPinStatus(), "Reading the PIN state"),
  "card.getModuleInfo": (_p, ctx) => card(ctx, () => ctx.services.card.getModuleInfo(), "Looking for the card's module"),
  "card.installModuleManifest": async (_p, ctx) => {
    if (ctx.demo) {
      // Demo mode never writes into the user's real Thunderbird locations; the demo harness does
      // it with its private HOME through `mss-bridge install`.
      throw new BridgeError(
        ErrorCode.INSTALL_FAILED,
        `The demo bridge does not write the ${PKCS11_MANIFEST_NAME} manifest into your Thunderbird. Use \`mss-bridge install\` with the demo's HOME.`,
      );
    }
    await card(ctx, () => ctx.services.card.installModuleManifest(), "Writing the module manifest");
    return { ok: true };
  },
  "directory.search": (p: { query: string; limit?: number }, ctx) =>
    other(ctx, () => ctx.services.directory.search(p.query, p.limit), "The directory search"),
  "directory.lookupByIdNat": async (p: { idNat: string }, ctx) => ({
    entries: await other(ctx, () => ctx.services.directory.lookupByIdNat(p.idNat), "The directory lookup"),
  }),
  // An address the offline directory does not know: the live complement when configured.
  "directory.lookupByAddress": async (p: { address: string }, ctx) => ({
    entry: await other(ctx, () => lookupWithLive(ctx.services.directory, ctx.services.live, p.address), "The directory lookup"),
  }),
  // The live complement: "off" without an API key; the service asks the offline directory first.
  "directory.searchLive": async (p: { query: string; limit?: number }, ctx) => {
    const live = ctx.services.live;
    if (!live) return { results: [], state: "off", retryAfterMs: null };
    return other(ctx, () => live.searchLive(p.query, p.limit), "The live directory search");
  },
  "directory.lookupLive": async (p: { address: string }, ctx) => {
    const live = ctx.services.live;
    if (!live) return { entry: null, state: "off", retryAfterMs: null };
    return other(ctx, () => live.lookupLive(p.address), "The live directory lookup");
  },
  "directory.status": async (_p, ctx) => ctx.services.directory.status(),
  "directory.import": async (_p, ctx) => {
    // Answered before starting: an import already running (the scheduled refresh included) would
    // otherwise be reported as started, then as failed, while it carries on.
    if (importing.has(ctx) || ctx.services.directory.importInProgress) {
      throw new BridgeError(
        ErrorCode.IMPORT_IN_PROGRESS,
        "An import is already running (started by a client or by the scheduled refresh); wait for it to finish.",
      );
    }
    importing.add(ctx);
    const report = (p: unknown) => ctx.onImportProgress?.(p);
    ctx.services.directory
      .importFromConfiguredSource(report)
      .catch((e: unknown) => {
        report({
          phase: "failed",
          done: 0,
          total: null,
          message: e instanceof BridgeError ? e.message : "The import failed; see the bridge's log.",
        });
        if (!(e instanceof BridgeError)) ctx.log.error("directory import failed", { error: e });
      })
      .finally(() => {
        importing.delete(ctx);
      });
    return { started: true };
  },
  "trust.check": async (p: { address: string }, ctx) => ctx.services.trust.check(p.address),
  "trust.list": async (_p, ctx) => ctx.services.trust.list(),
  "discovery.discover": async (p: { address: string }, ctx) => {
    const { targets, cardLogin, pscLogin } = await other(ctx, () => ctx.services.trust.discover(p.address), "Server discovery");
    return pscLogin ? { targets, cardLogin, pscLogin } : { targets, cardLogin };
  },
};

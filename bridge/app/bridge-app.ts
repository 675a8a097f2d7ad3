/**
 * Starts and stops a whole bridge: instance lock, pairing store, audit log, services, WebSocket
 * server, control channel, runtime file. `mss-bridge start` and in-process tests both use it.
 */
import { assertPrivateDataDir, dataPaths, ensureDataDir } from "../config/data-dir.ts";
import type { BridgeConfig } from "../config/config.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { PairingStore } from "../pairing/pairing-store.ts";
import { formatPairingCode, PairingWindow, PAIRING_WINDOW_MS } from "../pairing/pairing-code.ts";
import { FileAuditLog, type AuditSink } from "../audit/audit-log.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { BridgeServer, type ListenResult } from "../server/ws-server.ts";
import { ControlServer, type ControlHandlers } from "../server/control-server.ts";
import { controlAddress, type HostAttachment } from "../server/control-protocol.ts";
import { loadOrCreateControlKey } from "../server/control-key.ts";
import { LaunchCredentials } from "../pairing/launch-credentials.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { isExtensionOrigin } from "../pairing/extension-origin.ts";
import { withTimeout } from "../server/router.ts";
import { AuthBackoff } from "../server/rate-limit.ts";
import { DEFAULT_LIMITS, type ServerContext, type ServerLimits, type Services } from "../server/context.ts";
import type { CardChanged, ImportProgress, TrustService } from "../services.ts";
import { acquireInstanceLock, type InstanceLock } from "./instance-lock.ts";
import { removeRuntimeFile, writeRuntimeFile } from "./runtime-file.ts";
import { BRIDGE_VERSION } from "./version.ts";
import { createServices, type ServiceOptions } from "./create-services.ts";

export interface StartOptions {
  dataDir: string;
  config: BridgeConfig;
  log?: Logger;
  /** Injected services (tests); otherwise built from the configuration. */
  services?: Services;
  /** Overrides of server limits (tests shorten timeouts). */
  limits?: Partial<ServerLimits>;
  /** Extra environment for the PKCS#11 child (demo / tests). */
  tokenEnv?: Record<string, string>;
  /** Card-layer options (the demo's simulated reader). */
  cardExtra?: ServiceOptions["cardExtra"];
  trustExtra?: ServiceOptions["trustExtra"];
  /**
   * "hosted": started for native-messaging hosts (`mss-bridge native-host`); `onHostsGone` is called
   * when the last attached host has detached, or when none attached within `firstHostMs`.
   * Default "service" (`mss-bridge start`): hosts may attach, the bridge's life does not depend on them.
   */
  lifecycle?: "hosted" | "service";
  onHostsGone?: () => void;
  firstHostMs?: number;
}

export interface RunningBridge {
  port: number;
  addresses: string[];
  dataDir: string;
  server: BridgeServer;
  ctx: ServerContext;
  stop(): Promise<void>;
}

export async function startBridge(opts: StartOptions): Promise<RunningBridge> {
  const log = opts.log ?? createLogger();
  const dataDir = ensureDataDir(opts.dataDir);
  const paths = dataPaths(dataDir);
  // Refused, not warned about: config.json names the PKCS#11 library this process loads.
  assertPrivateDataDir(dataDir);

  const lock: InstanceLock = acquireInstanceLock(paths.lock);
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log.warn("cleanup step failed", { error: e });
      }
    }
  };

  try {
    const pairing = PairingStore.open(paths.pairing);
    if (pairing.info.fixedPermissions) {
      log.warn(
        "the pairing file was readable by others; permissions reset to 0600. Run `mss-bridge unpair --all` and pair again to renew the secret.",
      );
    }
    const audit: AuditSink = new FileAuditLog(paths.auditLog, undefined, log.child("audit"));
    cleanups.push(() => audit.close());

    const services =
      opts.services ??
      (await createServices({
        config: opts.config,
        dataDir,
        log,
        tokenEnv: opts.tokenEnv,
        cardExtra: opts.cardExtra,
        trustExtra: opts.trustExtra,
      }));
    if (!opts.services) {
      cleanups.push(async () => {
        const trustClose = (services.trust as { close?: () => unknown }).close;
        await Promise.allSettled([services.card.close(), services.directory.close(), Promise.resolve(trustClose?.call(services.trust))]);
      });
    }

    const limits: ServerLimits = {
      ...DEFAULT_LIMITS,
      maxConnections: opts.config.limits.maxConnections,
      requestsPerSecond: opts.config.limits.requestsPerSecond,
      cardOperationTimeoutMs: opts.config.limits.cardOperationTimeoutMs,
      ...opts.limits,
    };
    const pairingWindow = new PairingWindow();
    let server!: BridgeServer;
    const pairedListeners = new Set<(origin: string, via: "code" | "native-messaging") => void>();
    const ctx: ServerContext = {
      services,
      pairing,
      pairingWindow,
      authBackoff: new AuthBackoff(),
      audit,
      log: log.child("server"),
      limits,
      bridgeVersion: BRIDGE_VERSION,
      demo: opts.config.demo,
      startedAt: Date.now(),
      port: () => server.port,
      launch: new LaunchCredentials(),
      lifecycle: opts.lifecycle ?? "service",
      onPaired: (origin, via) => {
        for (const l of pairedListeners) l(origin, via);
      },
      onImportProgress: (p) => server.broadcast("directory.importProgress", p as ImportProgress),
    };
    server = new BridgeServer(ctx);
    let listened: ListenResult;
    try {
      listened = await server.listen(opts.config.port);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new BridgeError(
        ErrorCode.INTERNAL_ERROR,
        code === "EADDRINUSE"
          ? `Port ${opts.config.port} on 127.0.0.1 is already in use by another program. Choose another with --port.`
          : `Cannot listen on 127.0.0.1:${opts.config.port}: ${(e as Error).message}`,
      );
    }
    cleanups.push(() => server.close());

    const onCard = (p: CardChanged) => server.broadcast("card.changed", p);
    services.card.on("changed", onCard);
    cleanups.push(() => void services.card.off("changed", onCard));

    const hosts = new HostAttachments(
      ctx,
      server,
      opts.lifecycle === "hosted" ? (opts.onHostsGone ?? null) : null,
      opts.firstHostMs ?? 15_000,
    );
    const controlKey = loadOrCreateControlKey(dataDir);
    const control = new ControlServer(
      controlAddress(dataDir, controlKey),
      controlKey,
      controlHandlers(ctx, server, hosts),
      log.child("control"),
      audit,
    );
    await control.listen();
    cleanups.push(() => control.close());
    cleanups.push(() => hosts.close()); // before the control channel closes (cleanups run in reverse)

    writeRuntimeFile(paths.runtime, {
      pid: process.pid,
      port: listened.port,
      addresses: listened.addresses,
      demo: opts.config.demo,
      bridgeVersion: BRIDGE_VERSION,
      startedAt: new Date(ctx.startedAt).toISOString(),
    });
    cleanups.push(() => removeRuntimeFile(paths.runtime));
    audit.record("bridge.start", "control", "ok");
    cleanups.push(() => audit.record("bridge.stop", "control", "ok"));

    let stopping: Promise<void> | null = null;
    return {
      port: listened.port,
      addresses: listened.addresses,
      dataDir,
      server,
      ctx,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The trust list's date for `mss-bridge status`, or why there is none. */
function trustSummary(trust: TrustService): { date: string | null; testOnly: boolean; error: string | null } {
  try {
    const l = trust.list();
    return { date: l.date, testOnly: l.testOnly, error: null };
  } catch (e) {
    return { date: null, testOnly: false, error: (e as Error).message };
  }
}

/**
 * The native-messaging hosts attached over the control channel: each holds a per-launch credential
 * while its connection is open. For a hosted bridge, the last one leaving ends the bridge.
 */
class HostAttachments {
  private attached = 0;
  private waitFirst: NodeJS.Timeout | null = null;
  private gone = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly server: BridgeServer,
    private readonly onGone: (() => void) | null,
    firstHostMs: number,
  ) {
    if (onGone) {
      // Started for a host that may have died meanwhile: do not run for nobody.
      this.waitFirst = setTimeout(() => this.end("no host attached"), firstHostMs);
      this.waitFirst.unref();
    }
  }

  attach(onDetach: (detached: () => void) => void): HostAttachment {
    if (this.gone) throw new BridgeError(ErrorCode.INTERNAL_ERROR, "The bridge is stopping; start the host again.");
    if (this.waitFirst) clearTimeout(this.waitFirst);
    this.waitFirst = null;
    const issued = this.ctx.launch.issue();
    this.attached++;
    this.ctx.audit.record("host.attach", "control", "ok");
    this.ctx.log.info("native-messaging host attached", { hosts: this.attached });
    onDetach(() => {
      this.ctx.launch.revoke(issued.id);
      this.server.closeCredential(issued.id);
      this.attached--;
      this.ctx.audit.record("host.detach", "control", "ok");
      this.ctx.log.info("native-messaging host detached", { hosts: this.attached });
      if (this.attached === 0) this.end("last host detached");
    });
    return {
      port: this.server.port,
      credential: issued.credential,
      launchId: issued.id,
      protocolVersion: PROTOCOL_VERSION,
      bridgeVersion: this.ctx.bridgeVersion,
      pid: process.pid,
    };
  }

  count(): number {
    return this.attached;
  }

  private end(why: string): void {
    if (!this.onGone || this.gone) return;
    this.gone = true;
    this.ctx.log.info("stopping: no native-messaging host left", { why });
    this.onGone();
  }

  close(): void {
    if (this.waitFirst) clearTimeout(this.waitFirst);
    this.gone = true;
  }
}

function controlHandlers(ctx: ServerContext, server: BridgeServer, hosts: HostAttachments): ControlHandlers {
  return {
    async status() {
      const card = ctx.services.card.getState();
      const ms = Math.min(ctx.limits.cardOperationTimeoutMs, 10_000);
      const [identity, pin] = await Promise.allSettled([
        withTimeout(ctx.services.card.getIdentity(), ms, "Reading the identity"),
        withTimeout(ctx.services.card.getPinStatus(), ms, "Reading the PIN state"),
      ]);
      return {
        running: true,
        pid: process.pid,
        port: server.port,
        demo: ctx.demo,
        bridgeVersion: ctx.bridgeVersion,
        uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        connections: server.connectionCount(),
        pairedOrigins: ctx.pairing.origins().map((o) => o.origin),
        pairingWindowOpen: ctx.pairingWindow.isOpen(),
        lifecycle: ctx.lifecycle,
        attachedHosts: hosts.count(),
        card,
        identity: identity.status === "fulfilled" ? identity.value : null,
        identityError: identity.status === "rejected" ? (identity.reason as Error).message : null,
        pin: pin.status === "fulfilled" ? pin.value : null,
        pinError: pin.status === "rejected" ? (pin.reason as Error).message : null,
        directory: ctx.services.directory.status(),
        trust: trustSummary(ctx.services.trust),
      };
    },
    async pairOpen(events) {
      const { code, expiresAt } = ctx.pairingWindow.open(PAIRING_WINDOW_MS);
      ctx.pairingWindow.onEnd((how, origin) => events({ event: "pairing.ended", how, ...(origin ? { origin } : {}) }));
      ctx.log.info("pairing window opened", { expiresAt: new Date(expiresAt).toISOString() });
      return { code: formatPairingCode(code), expiresAt: new Date(expiresAt).toISOString() };
    },
    async pairCancel() {
      ctx.pairingWindow.cancel();
      return { ok: true as const };
    },
    async unpair(target) {
      if (target !== "all" && !isExtensionOrigin(target)) throw new BridgeError(ErrorCode.INVALID_PARAMS, "Not a moz-extension:// origin.");
      const removed = ctx.pairing.remove(target);
      server.closeOrigin(target);
      ctx.log.info("unpaired", { origin: target, removed });
      return { removed };
    },
    async attachHost(onDetach) {
      // Reached only through the user-only control channel, by the native-messaging host that
      // Thunderbird started for our add-on id. Never the pairing secret: a fresh credential.
      return hosts.attach(onDetach);
    },
  };
}

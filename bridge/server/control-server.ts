/** The bridge's end of the control channel (see control-protocol.ts). */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { firstError } from "../../shared/protocol/validate.ts";
import { CONTROL_NONCE_BYTES, controlProof, decodeFixed, verifyControlProof } from "./control-auth.ts";
import {
  ControlClientAuthSchema,
  ControlRequestSchema,
  MAX_CONTROL_LINE,
  type ControlEvent,
  type ControlRequest,
  type HostAttachment,
} from "./control-protocol.ts";
import type { Logger } from "../log/logger.ts";
import type { AuditSink } from "../audit/audit-log.ts";

export interface ControlHandlers {
  status(): Promise<unknown>;
  pairOpen(events: (e: ControlEvent) => void): Promise<{ code: string; expiresAt: string }>;
  pairCancel(): Promise<{ ok: true }>;
  unpair(target: string | "all"): Promise<{ removed: number }>;
  /** `detached` runs once, when the attaching connection closes (whoever closes it). */
  attachHost(onDetach: (detached: () => void) => void): Promise<HostAttachment>;
}

/** Time a command has to prove the control key. */
const AUTH_DEADLINE_MS = 5_000;

export class ControlServer {
  private server: net.Server | null = null;
  private readonly conns = new Set<net.Socket>();

  constructor(
    private readonly address: string,
    /** The data directory's control key: a connection that cannot prove it gets nothing. */
    private readonly key: Uint8Array,
    private readonly handlers: ControlHandlers,
    private readonly log: Logger,
    private readonly audit: AuditSink,
  ) {}

  async listen(): Promise<void> {
    const isPipe = process.platform === "win32";
    if (!isPipe && Buffer.byteLength(this.address) > 100) {
      // sun_path holds 104–108 bytes depending on the OS.
      throw new BridgeError(
        ErrorCode.INTERNAL_ERROR,
        `The data directory's path is too long for the control socket (${this.address}). Use a shorter --data-dir.`,
      );
    }
    if (!isPipe) {
      // A socket left by a crashed bridge: we hold the instance lock, so it is ours to remove.
      try {
        if (lstatSync(this.address).isSocket()) unlinkSync(this.address);
      } catch {}
    }
    const server = net.createServer((c) => this.onConnection(c));
    server.maxConnections = 16;
    // Created 0600 from the start (umask), not chmod-ed after a window where others could connect.
    const old = isPipe ? 0 : process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.address, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } finally {
      if (!isPipe) process.umask(old);
    }
    if (!isPipe) chmodSync(this.address, 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
    if (process.platform !== "win32") {
      try {
        unlinkSync(this.address);
      } catch {}
    }
  }

  private onConnection(c: net.Socket): void {
    this.conns.add(c);
    c.setEncoding("utf8");
    let buf = "";
    const write = (obj: unknown) => {
      if (!c.destroyed) c.write(`${JSON.stringify(obj)}\n`);
    };
    // Nothing is served before the command has proved the key, within 5 s.
    const challenge = randomBytes(CONTROL_NONCE_BYTES);
    let proven = false;
    c.setTimeout(AUTH_DEADLINE_MS, () => c.destroy());
    write({ challenge: challenge.toString("base64") });
    c.on("data", (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_CONTROL_LINE && !buf.includes("\n")) {
        write({ id: null, ok: false, error: { code: ErrorCode.INVALID_REQUEST, message: "Line too long." } });
        c.destroy();
        return;
      }
      for (let nl = buf.indexOf("\n"); nl >= 0 && !c.destroyed; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!proven) {
          proven = this.onAuth(line, challenge, write);
          if (!proven) c.destroy();
          else c.setTimeout(10 * 60_000, () => c.destroy());
        } else if (line.trim()) void this.onLine(line, write, c);
      }
    });
    c.on("error", () => c.destroy());
    c.on("close", () => this.conns.delete(c));
  }

  /** Checks the command's proof and answers with the bridge's; false (refused, recorded) otherwise. */
  private onAuth(line: string, challenge: Buffer, write: (o: unknown) => void): boolean {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = null;
    }
    const nonce = firstError(ControlClientAuthSchema, msg)
      ? null
      : decodeFixed((msg as { auth: { nonce: string } }).auth.nonce, CONTROL_NONCE_BYTES);
    if (!nonce || !verifyControlProof(this.key, "client", challenge, nonce, (msg as { auth: { proof: string } }).auth.proof)) {
      this.audit.record("control.auth", "control", "refused");
      this.log.warn("refused a control connection that did not prove the data directory's control key");
      write({ id: null, ok: false, error: { code: ErrorCode.AUTHENTICATION_FAILED, message: "Not authorised on this control channel." } });
      return false;
    }
    write({ auth: { proof: controlProof(this.key, "server", challenge, nonce).toString("base64") } });
    return true;
  }

  private async onLine(line: string, write: (o: unknown) => void, c: net.Socket): Promise<void> {
    let req: unknown;
    try {
      req = JSON.parse(line);
    } catch {
      write({ id: null, ok: false, error: { code: ErrorCode.PARSE_ERROR, message: "Not JSON." } });
      return;
    }
    const err = firstError(ControlRequestSchema, req);
    if (err) {
      const id = typeof (req as { id?: unknown })?.id === "number" ? (req as { id: number }).id : null;
      write({ id, ok: false, error: { code: ErrorCode.INVALID_REQUEST, message: `Invalid control request (${err}).` } });
      return;
    }
    const r = req as ControlRequest;
    try {
      let result: unknown;
      switch (r.cmd) {
        case "status":
          result = await this.handlers.status();
          break;
        case "pair.open":
          result = await this.handlers.pairOpen((e) => write(e));
          break;
        case "pair.cancel":
          result = await this.handlers.pairCancel();
          break;
        case "unpair":
          if (!r.all && !r.origin) throw new BridgeError(ErrorCode.INVALID_PARAMS, "Say which origin to unpair, or all.");
          result = await this.handlers.unpair(r.all ? "all" : r.origin!);
          break;
        case "host.attach":
          // The attachment lasts as long as the connection: no idle timeout on it.
          c.setTimeout(0);
          result = await this.handlers.attachHost((detached) => {
            if (c.destroyed) detached();
            else c.once("close", detached);
          });
          break;
      }
      this.audit.record(`control.${r.cmd}`, "control", "ok");
      write({ id: r.id, ok: true, result });
    } catch (e) {
      const code = e instanceof BridgeError ? e.code : ErrorCode.INTERNAL_ERROR;
      if (!(e instanceof BridgeError)) this.log.error("control command failed", { cmd: r.cmd, error: e });
      this.audit.record(`control.${r.cmd}`, "control", code);
      write({
        id: r.id,
        ok: false,
        error: { code, message: e instanceof BridgeError ? e.message : "Internal error; see the bridge's log." },
      });
    }
  }
}

/**
 * Watches readers and cards through PC/SC in a child process (pcsc-child.ts) and keeps the card
 * layer's state. The child is restarted with backoff whenever it ends (pcscd restarted, reader
 * driver trouble, native crash), so the bridge survives all of them; without pcscd the state says
 * so (`pcscAvailable: false` and why) and the rest of the bridge works as usual.
 *
 * Emits "changed" with a card.changed notification's params.
 */
import { childEntry } from "../platform/child-entry.ts";
import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { CardChanged } from "../services.ts";
import type { CardDatabase } from "./card-database-schema.ts";
import { CardStateModel, type BoundCard } from "./card-state.ts";
import { isWatcherMessage, type WatcherMessage } from "./watcher-messages.ts";

/** What card-service.ts needs from a watcher: the real one, or the demo's simulated card. */
export interface CardStateSource extends EventEmitter {
  start(): Promise<void>;
  stop(): Promise<void>;
  getState(): CardLayerState;
  boundCard(): BoundCard | null;
  setDatabase(db: CardDatabase): void;
}

export interface CardWatcherOptions {
  db: CardDatabase;
  /** `--reader NAME`. */
  reader?: string | null;
  /** Extra environment for the child (tests: PCSCLITE_CSOCK_NAME to reach a private pcscd). */
  env?: NodeJS.ProcessEnv;
  /** How often the child retries while pcscd is absent. */
  retryMs?: number;
  /** Restart delays after the child ends: doubles from initialMs up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** How long start() waits for the first picture of readers and cards. */
  startTimeoutMs?: number;
}

/** A child that ran this long was healthy: the next restart starts from the initial delay again. */
const HEALTHY_MS = 10_000;

export class CardWatcher extends EventEmitter implements CardStateSource {
  private readonly model: CardStateModel;
  private child: ChildProcess | null = null;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | null = null;
  private delay: number;
  private childStartedAt = 0;
  private fatal = false;
  private settledWaiters: (() => void)[] = [];
  /** Children started so far (tests and diagnostics). */
  restarts = 0;

  constructor(private readonly opts: CardWatcherOptions) {
    super();
    this.model = new CardStateModel(opts.db, opts.reader ?? null);
    this.delay = opts.backoff?.initialMs ?? 250;
  }

  getState(): CardLayerState {
    return this.model.snapshot();
  }

  boundCard(): BoundCard | null {
    return this.model.boundCard();
  }

  setDatabase(db: CardDatabase): void {
    this.model.setDatabase(db);
  }

  /** Starts watching; resolves once the first picture is known (or after startTimeoutMs). Never rejects. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const settled = new Promise<void>((resolve) => this.settledWaiters.push(resolve));
    this.spawn();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise<void>((r) => (timer = setTimeout(r, this.opts.startTimeoutMs ?? 8000)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const c = this.child;
    this.child = null;
    this.releaseWaiters();
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.kill("SIGKILL"), 2000);
      c.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      c.kill("SIGTERM");
    });
  }

  /** The child's pid (tests). */
  get childPid(): number | null {
    return this.child?.pid ?? null;
  }

  private spawn(): void {
    this.restarts++;
    this.childStartedAt = Date.now();
    let child: ChildProcess;
    try {
      const entry = childEntry("pcsc-child");
      child = fork(entry.modulePath, [], {
        execPath: process.execPath,
        execArgv: entry.execArgv,
        env: {
          ...process.env,
          ...this.opts.env,
          ...(this.opts.retryMs ? { MSS_PCSC_RETRY_MS: String(this.opts.retryMs) } : {}),
        },
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        serialization: "json",
      });
    } catch (e) {
      this.onMessage({ type: "pcsc-down", message: `the card watcher could not start (${(e as Error).message})` });
      this.scheduleRestart();
      return;
    }
    this.child = child;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on("message", (m: unknown) => {
      if (this.child === child && isWatcherMessage(m)) this.onMessage(m);
    });
    child.on("error", () => {
      /* reported by "exit" */
    });
    child.on("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopped) return;
      if (code === 78) this.fatal = true;
      const detail = stderr.trim().split("\n").at(-1) ?? "";
      // Exit code 3: the child saw pcscd go and said so already (pcsc-down); anything else is a crash.
      const message =
        code === 3
          ? (this.lastDownMessage ?? "the connection to pcscd was lost")
          : `the card watcher ended with ${signal ?? `code ${code}`}${detail ? ` (${detail})` : ""}; it is being restarted`;
      this.onMessage({ type: "pcsc-down", message });
      this.releaseWaiters();
      if (!this.fatal) this.scheduleRestart();
    });
  }

  private lastDownMessage: string | null = null;

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    const max = this.opts.backoff?.maxMs ?? 5000;
    const initial = this.opts.backoff?.initialMs ?? 250;
    if (Date.now() - this.childStartedAt > HEALTHY_MS) this.delay = initial;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, max);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) this.spawn();
    }, wait);
    this.restartTimer.unref?.();
  }

  private onMessage(m: WatcherMessage): void {
    if (m.type === "pcsc-down" || m.type === "fatal") this.lastDownMessage = m.message;
    if (m.type === "fatal") this.fatal = true;
    const events = this.model.apply(m);
    if (m.type === "settled" || m.type === "pcsc-down" || m.type === "fatal") this.releaseWaiters();
    if (events.length === 0) return;
    const state = this.model.snapshot();
    for (const e of events) {
      const params: CardChanged = { event: e.event, reader: e.reader, state };
      this.emit("changed", params);
    }
  }

  private releaseWaiters(): void {
    const w = this.settledWaiters;
    this.settledWaiters = [];
    for (const f of w) f();
  }
}

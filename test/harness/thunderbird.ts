/**
 * A real Thunderbird for end-to-end tests: a fresh profile in a temp dir, run with a PRIVATE HOME
 * (the user's ~/.mozilla and ~/.thunderbird are never touched; native-messaging and pkcs11
 * manifests written by `mss-bridge install` go into that HOME), extensions installed by copying
 * their .xpi into <profile>/extensions/<id>.xpi, the test CA trusted in the profile's NSS database,
 * and the test-only driver extension (test/e2e/driver) that answers NSS's PIN prompt and executes
 * the test's requests over a loopback WebSocket.
 *
 * Why a driver extension rather than Marionette: it needs no client library, starts with the
 * profile (so the PIN prompt hook is in place before anything can make NSS ask), uses the same
 * MailExtension APIs the product uses (compose, messages, accounts), and its chrome sandbox gives
 * what Marionette's chrome context would. It is zipped from test/e2e/driver at launch and never
 * enters the shipped .xpi.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";
import yazl from "yazl";
import { run, startDaemon, waitFor, type Daemon } from "./e2e-process.ts";

export const DRIVER_ID = "mss-e2e-driver@test.invalid";
const DRIVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../e2e/driver");

export type PrefValue = string | number | boolean;

export interface ThunderbirdOptions {
  /** Extensions to install: add-on id → .xpi file. */
  extensions?: Record<string, string>;
  /** Pinned moz-extension UUIDs (add-on id → uuid); generated for every installed extension otherwise. */
  extensionUuids?: Record<string, string>;
  /** Install the test driver (default true). */
  driver?: boolean;
  /** CA certificates (PEM files) trusted for TLS servers in the profile ("CT,C,C"). */
  trustedCaFiles?: string[];
  /** PKCS#11 modules added to the profile's NSS with modutil before launch (name → library). */
  pkcs11Modules?: Record<string, string>;
  /** Host names Thunderbird must resolve to loopback (network.dns.localDomains). */
  localDomains?: string[];
  /** PIN the driver gives NSS when it asks for the token's password ("" = cancel the prompt). */
  pin?: string;
  /** Extra prefs written to user.js. */
  prefs?: Record<string, PrefValue>;
  /** Extra environment (SOFTHSM2_CONF, …). */
  env?: Record<string, string>;
  /** Private HOME; a fresh one when absent. Must not be the real HOME. */
  home?: string;
  /** Run with a visible window on this X display instead of --headless. */
  display?: string;
  parentDir?: string;
}

export interface DriverReply<T> {
  ok: boolean;
  value?: T;
  error?: string;
}

export interface DriverEvent {
  event: string;
  args: unknown[];
  at: number;
}

export interface PromptRecord {
  kind: string;
  at: number;
  title?: string;
  text?: string;
  url?: string;
  answered?: boolean;
  [k: string]: unknown;
}

export interface Driver {
  /** Runs the body of an async function in Thunderbird's parent process (system principal).
   *  Available there: Services, MailServices, Cc, Ci, Cu, ChromeUtils, setTimeout, driverState, `args`. */
  chrome<T = unknown>(code: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Calls a MailExtension API function from the driver's background page, e.g. api("accounts.list"). */
  api<T = unknown>(fnPath: string, ...args: unknown[]): Promise<T>;
  /** Subscribes to a MailExtension event (e.g. "compose.onAfterSend"); events collect in `events`. */
  listen(eventPath: string): Promise<void>;
  readonly events: DriverEvent[];
  waitForEvent(eventPath: string, pred?: (e: DriverEvent) => boolean, timeoutMs?: number): Promise<DriverEvent>;
  /** Prompts (PIN, alerts, confirms) and dialog windows seen since startup. */
  prompts(): Promise<{ pinPrompts: number; events: PromptRecord[] }>;
}

export interface Thunderbird {
  readonly profileDir: string;
  readonly home: string;
  readonly pid: number;
  readonly driver: Driver;
  /** moz-extension UUID of each installed extension. */
  readonly uuids: Record<string, string>;
  /** Thunderbird's stdout + stderr (extension console output goes there). */
  output(): string;
  /** Quits Thunderbird (Services.startup.quit, then SIGTERM/SIGKILL if needed) and removes the temp dirs it made. */
  stop(): Promise<void>;
}

function prefLine(name: string, v: PrefValue): string {
  return `user_pref(${JSON.stringify(name)}, ${typeof v === "string" ? JSON.stringify(v) : String(v)});`;
}

async function zipDir(dir: string, out: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const abs = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(abs).isDirectory()) walk(abs, r);
      else zip.addFile(abs, r);
    }
  };
  walk(dir, "");
  await new Promise<void>((resolve, reject) => {
    const ws = createWriteStream(out);
    ws.on("close", () => resolve());
    ws.on("error", reject);
    zip.outputStream.pipe(ws);
    zip.end();
  });
}

/** Builds the driver .xpi (test only) into `out`. */
export async function buildDriverXpi(out: string): Promise<string> {
  await zipDir(DRIVER_DIR, out);
  return out;
}

export async function startThunderbird(opts: ThunderbirdOptions = {}): Promise<Thunderbird> {
  const root = mkdtempSync(path.join(opts.parentDir ?? os.tmpdir(), "mss-thunderbird-"));
  const home = opts.home ?? path.join(root, "home");
  if (path.resolve(home) === path.resolve(os.homedir())) throw new Error("Thunderbird tests must run with a private HOME");
  mkdirSync(home, { recursive: true });
  const profileDir = path.join(root, "profile");
  const extDir = path.join(profileDir, "extensions");
  mkdirSync(extDir, { recursive: true });

  const extensions = { ...(opts.extensions ?? {}) };
  for (const [id, file] of Object.entries(extensions)) copyFileSync(file, path.join(extDir, `${id}.xpi`));
  if (opts.driver !== false) await buildDriverXpi(path.join(extDir, `${DRIVER_ID}.xpi`));
  const uuids: Record<string, string> = {};
  for (const id of [...Object.keys(extensions), ...(opts.driver !== false ? [DRIVER_ID] : [])]) {
    uuids[id] = opts.extensionUuids?.[id] ?? randomUUID();
  }

  // The driver's loopback channel.
  const token = randomBytes(16).toString("hex");
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const driverPort = (wss.address() as { port: number }).port;

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    TMPDIR: os.tmpdir(),
    LANG: "C.UTF-8",
    MOZ_CRASHREPORTER_DISABLE: "1",
    MOZ_CRASHREPORTER: "0",
    MOZ_DISABLE_AUTO_SAFE_MODE: "1",
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    ...(opts.display ? { DISPLAY: opts.display } : { MOZ_HEADLESS: "1" }),
    ...(opts.env ?? {}),
  };

  const prefs: Record<string, PrefValue> = {
    "xpinstall.signatures.required": false,
    "extensions.autoDisableScopes": 0,
    "extensions.enabledScopes": 15,
    "extensions.experiments.enabled": true,
    // Without it the background page sometimes never starts on a reused profile.
    "extensions.webextensions.background-delayed-startup": false,
    "extensions.webextensions.uuids": JSON.stringify(uuids),
    "extensions.update.enabled": false,
    "extensions.getAddons.cache.enabled": false,
    "app.update.disabledForTesting": true,
    "mail.shell.checkDefaultClient": false,
    "mail.provider.suppress_dialog_on_startup": true,
    "mail.spotlight.firstRunDone": true,
    "mail.winsearch.firstRunDone": true,
    "mailnews.start_page.enabled": false,
    "mail.rights.version": 1,
    "mail.tabs.drawInTitlebar": false,
    "datareporting.policy.dataSubmissionEnabled": false,
    "datareporting.healthreport.uploadEnabled": false,
    "toolkit.telemetry.enabled": false,
    "browser.dom.window.dump.enabled": true,
    "devtools.console.stdout.content": true,
    "devtools.console.stdout.chrome": true,
    "browser.shell.checkDefaultBrowser": false,
    "network.dns.localDomains": (opts.localDomains ?? []).join(","),
    // Thunderbird 153 quirk: once it has listed a Dovecot 2.3 mailbox's folders it sends
    // "APPEND … UTF8 (~{n+}" to copy to Sent although the server never announced UTF8=ACCEPT;
    // Dovecot answers BAD, the copy fails and, with no "Local Folders" account to fall back to,
    // the send never completes. Not using UTF8=ACCEPT avoids it.
    "mail.server.default.allow_utf8_accept": false,
    // Never hand the token's certificate to just any server: tests that want it pass the pref.
    "security.default_personal_cert": "Ask Every Time",
    "mss.e2e.driverPort": driverPort,
    "mss.e2e.driverToken": token,
    "mss.e2e.pin": opts.pin ?? "",
    ...(opts.prefs ?? {}),
  };
  writeFileSync(
    path.join(profileDir, "user.js"),
    `${Object.entries(prefs)
      .map(([k, v]) => prefLine(k, v))
      .join("\n")}\n`,
  );

  // The profile's NSS database: test CA trusted for servers, optional PKCS#11 modules.
  await run("certutil", ["-N", "-d", `sql:${profileDir}`, "--empty-password"]);
  for (const [i, ca] of (opts.trustedCaFiles ?? []).entries()) {
    await run("certutil", ["-A", "-d", `sql:${profileDir}`, "-n", `e2e test CA ${i}`, "-t", "CT,C,C", "-i", ca]);
  }
  for (const [name, lib] of Object.entries(opts.pkcs11Modules ?? {})) {
    await run("modutil", ["-dbdir", `sql:${profileDir}`, "-add", name, "-libfile", lib, "-force"], {
      env: { ...process.env, ...(opts.env ?? {}) },
    });
  }

  let conn: WebSocket | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: DriverReply<unknown>) => void }>();
  const events: DriverEvent[] = [];
  const eventWaiters = new Set<() => void>();
  wss.on("connection", (ws) => {
    let authed = false;
    ws.on("message", (data) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (!authed) {
        if (msg.hello === token) {
          authed = true;
          conn = ws;
        } else ws.close();
        return;
      }
      if (typeof msg.event === "string") {
        events.push({ event: msg.event, args: (msg.args as unknown[]) ?? [], at: Date.now() });
        for (const w of eventWaiters) w();
        return;
      }
      const p = pending.get(msg.id as number);
      if (p) {
        pending.delete(msg.id as number);
        p.resolve(msg as unknown as DriverReply<unknown>);
      }
    });
    ws.on("close", () => {
      if (conn === ws) conn = null;
    });
  });

  const args = ["--no-remote", "--profile", profileDir];
  if (!opts.display) args.unshift("--headless");
  const daemon: Daemon = startDaemon("thunderbird", args, { env, cwd: home });

  const request = async <T>(req: Record<string, unknown>, timeoutMs = 60_000): Promise<T> => {
    const ws = await waitFor(
      "the driver's connection",
      () => conn ?? (daemon.exited() ? Promise.reject(new Error(`Thunderbird exited:\n${daemon.output().slice(-3000)}`)) : null),
      60_000,
      50,
    );
    const id = nextId++;
    const reply = await new Promise<DriverReply<T>>((resolve, reject) => {
      const t = setTimeout(() => {
        pending.delete(id);
        // What Thunderbird printed last says where it was stuck (a modal, an NSS call, a crash).
        reject(
          new Error(
            `driver request ${String(req.kind)} ${String(req.path ?? "")} timed out after ${timeoutMs} ms ` +
              `(driver connection ${conn === ws ? "still open" : "replaced or closed"}); Thunderbird's last output:\n` +
              daemon.output().slice(-4000),
          ),
        );
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as DriverReply<T>);
        },
      });
      ws.send(JSON.stringify({ id, ...req }));
    });
    if (!reply.ok) throw new Error(`driver ${String(req.kind)} failed: ${reply.error}`);
    return reply.value as T;
  };

  const driver: Driver = {
    chrome: (code, a, timeoutMs) => request({ kind: "chrome", code, args: a ?? null }, timeoutMs),
    api: (fnPath, ...a) => request({ kind: "api", path: fnPath, args: a }),
    listen: async (eventPath) => {
      await request({ kind: "listen", path: eventPath });
    },
    events,
    waitForEvent: async (eventPath, pred = () => true, timeoutMs = 30_000) =>
      await waitFor(`event ${eventPath}`, () => events.find((e) => e.event === eventPath && pred(e)), timeoutMs, 50),
    prompts: () => request({ kind: "prompts" }),
  };

  try {
    if (opts.driver !== false) {
      await waitFor(
        "the test driver to connect from Thunderbird",
        () => {
          if (daemon.exited()) throw new Error(`Thunderbird exited:\n${daemon.output().slice(-3000)}`);
          return conn;
        },
        Number(process.env.MSS_E2E_TB_START_MS ?? 60_000),
      );
      // The driver's background can connect before the main window has built its tabs (more
      // often on a real display): wait for the 3-pane window's tabmail so callers can use tabs.
      await waitFor(
        "Thunderbird's main window",
        () =>
          request<boolean>(
            {
              kind: "chrome",
              code: `const w = Services.wm.getMostRecentWindow("mail:3pane");
              const tm = w && w.document.readyState === "complete" && w.document.getElementById("tabmail");
              return !!(tm && tm.tabInfo && tm.tabInfo.length > 0);`,
            },
            5_000,
          ).catch(() => false),
        30_000,
        100,
      );
    }
  } catch (e) {
    await daemon.stop();
    wss.close();
    const out = daemon.output().slice(-4000);
    // MSS_E2E_KEEP=1 keeps the profile of a failed start for inspection.
    if (process.env.MSS_E2E_KEEP !== "1") rmSync(root, { recursive: true, force: true });
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- Thunderbird output ---\n${out}`);
  }

  return {
    profileDir,
    home,
    get pid() {
      return daemon.pid;
    },
    driver,
    uuids,
    output: () => daemon.output(),
    async stop() {
      if (!daemon.exited() && conn) {
        // A clean quit writes prefs and closes NSS; the reply may never come, so do not wait for it.
        request({ kind: "chrome", code: "Services.startup.quit(Ci.nsIAppStartup.eForceQuit); return true;" }, 5_000).catch(() => undefined);
        await waitFor("Thunderbird to quit", () => daemon.exited(), 15_000, 100).catch(() => undefined);
      }
      await daemon.stop(5_000);
      wss.close();
      if (process.env.MSS_E2E_KEEP !== "1") rmSync(root, { recursive: true, force: true });
    },
  };
}

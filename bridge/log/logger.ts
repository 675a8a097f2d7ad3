/**
 * A small structured logger: one JSON line per event on stderr (stdout belongs to the command's
 * output, and to the native-messaging channel for `native-host`). Values under keys that can hold a
 * secret are replaced before anything is written, however deep they sit.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values are never written (case-insensitive, matched as substrings). */
const SECRET_KEY = /secret|pin|proof|nonce|code|password|passwd|token|sealed|ins\b|authorization|cookie/i;
export const REDACTED = "[redacted]";

/** Copies `value` with every secret-looking key's value replaced. Pure, cycle-safe, depth-bounded. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 6 || seen.has(value)) return "[…]";
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // `errorCode`/`code` numbers are protocol error codes, not pairing codes: keep numbers.
    out[k] = SECRET_KEY.test(k) && typeof v !== "number" && typeof v !== "boolean" ? REDACTED : redact(v, depth + 1, seen);
  }
  return out;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  component?: string;
}

function envLevel(): LogLevel {
  const l = (process.env.MSS_BRIDGE_LOG ?? "").toLowerCase();
  return l in ORDER ? (l as LogLevel) : "info";
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? envLevel();
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const component = opts.component ?? "bridge";
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const rec = { time: new Date().toISOString(), level: lvl, component, msg, ...(fields ? (redact(fields) as object) : {}) };
    try {
      write(JSON.stringify(rec));
    } catch {
      // a closed stderr must never take the bridge down
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (c) => createLogger({ level, write, component: `${component}/${c}` }),
  };
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

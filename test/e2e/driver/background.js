/* TEST ONLY — the end-to-end driver's background page. Never part of the shipped .xpi.
 * Connects to the test's loopback WebSocket (port and token from prefs written by the harness) and
 * executes its requests:
 *   {id, kind: "chrome", code, args}        → mssDriver.evalChrome (system-principal sandbox)
 *   {id, kind: "api", path: "ns.fn", args}  → messenger.ns.fn(...args) (MailExtension APIs)
 *   {id, kind: "listen", path: "ns.onX"}    → forwards each event as {event: path, args}
 *   {id, kind: "prompts"}                   → prompts and dialogs seen so far
 * Replies {id, ok: true, value} or {id, ok: false, error}.
 */
/* global browser, messenger */

const api = typeof messenger !== "undefined" ? messenger : browser;
const listening = new Set();
let socket = null;

function resolvePath(path) {
  const parts = path.split(".");
  let owner = api;
  for (const p of parts.slice(0, -1)) {
    owner = owner?.[p];
  }
  const last = parts[parts.length - 1];
  if (!owner || !(last in owner)) throw new Error(`no such API: ${path}`);
  return { owner, member: owner[last] };
}

function jsonSafe(v) {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

async function handle(req) {
  switch (req.kind) {
    case "chrome":
      return await api.mssDriver.evalChrome(req.code, req.args ?? null);
    case "prompts":
      return await api.mssDriver.prompts();
    case "api": {
      const { owner, member } = resolvePath(req.path);
      if (typeof member !== "function") throw new Error(`${req.path} is not a function`);
      return { ok: true, value: jsonSafe(await member.apply(owner, req.args ?? [])) };
    }
    case "listen": {
      if (!listening.has(req.path)) {
        const { member } = resolvePath(req.path);
        member.addListener((...args) => {
          send({ event: req.path, args: jsonSafe(args) });
        });
        listening.add(req.path);
      }
      return { ok: true, value: true };
    }
    default:
      throw new Error(`unknown request kind ${req.kind}`);
  }
}

function send(obj) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(obj));
}

async function connect() {
  console.log("[mss-e2e-driver] background: connecting");
  let cfg;
  try {
    cfg = await api.mssDriver.config();
  } catch (e) {
    console.error("[mss-e2e-driver] config failed", e);
    setTimeout(connect, 1000);
    return;
  }
  if (!cfg.ok || !cfg.value.port) return; // not under test
  const ws = new WebSocket(`ws://127.0.0.1:${cfg.value.port}/driver`);
  socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ hello: cfg.value.token, ua: navigator.userAgent }));
  ws.onmessage = async (ev) => {
    let req;
    try {
      req = JSON.parse(ev.data);
    } catch {
      return;
    }
    let reply;
    try {
      reply = await handle(req);
    } catch (e) {
      reply = { ok: false, error: e?.message ? e.message : String(e) };
    }
    send({ id: req.id, ...reply });
  };
  ws.onclose = () => {
    socket = null;
    setTimeout(connect, 500);
  };
}

connect().catch((e) => console.error("[mss-e2e-driver] connect failed", e));

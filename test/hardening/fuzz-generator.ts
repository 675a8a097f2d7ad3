/**
 * Seeded generator of malformed protocol messages for the bridge's WebSocket. Pure and
 * deterministic: the same seed and count give the same cases, byte for byte (no clock, no
 * Math.random). Each case is one WebSocket frame and what the bridge may do with it:
 *
 * - "reply": the frame is text within the size limit, so it must reach the parser and be answered
 *   with a typed JSON-RPC error (a mutation may by chance give a valid request, which may succeed);
 * - "close": the frame is refused by the transport (binary, over maxPayload, invalid UTF-8), so the
 *   bridge closes the connection without answering.
 *
 * Families: invalid JSON, deep nesting, huge strings and arrays, wrong types, unknown methods,
 * JSON-RPC batch abuse, binary frames, oversize frames, prototype-pollution keys, unicode junk,
 * numbers out of range, envelope mutations.
 */
import { mulberry32, type Rng } from "../../bridge/demo/generator/mulberry32.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/protocol/jsonrpc.ts";
import { Methods } from "../../shared/protocol/schemas.ts";

export const DEFAULT_FUZZ_SEED = 0x5eed_c0de;

/** Put in string values of the cases: no answer of the bridge may repeat it. */
export const ECHO_MARKER = "FZMARK7Q";

export interface FuzzCase {
  /** Index in the generated sequence (stable for a seed). */
  n: number;
  family: string;
  /** UTF-16 text of a text frame (may hold lone surrogates: sent as UTF-8 with U+FFFD). */
  text?: string;
  /** Raw bytes (base64) of the frame when it is binary or not valid UTF-8. */
  bytesBase64?: string;
  binary?: boolean;
  expect: "reply" | "close";
}

// ---- deterministic randomness -------------------------------------------------------------------

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const METHODS = Object.keys(Methods);
const NONCE = `${"A".repeat(43)}=`;
const PROOF = "0".repeat(64);

/** Plausible params per method, the starting point of the mutations. */
function plausibleParams(method: string): Record<string, unknown> {
  switch (method) {
    case "session.hello":
      return { protocolVersion: 1, clientNonce: NONCE };
    case "session.authenticate":
      return { clientProof: PROOF };
    case "pairing.complete":
      return { clientNonce: NONCE, proof: PROOF };
    case "directory.search":
      return { query: `dupont ${ECHO_MARKER}`, limit: 10 };
    case "directory.lookupByIdNat":
      return { idNat: "810000000001" };
    case "directory.lookupByAddress":
    case "trust.check":
    case "discovery.discover":
      return { address: `${ECHO_MARKER.toLowerCase()}@example.invalid` };
    default:
      return {};
  }
}

// ---- value junk ---------------------------------------------------------------------------------

const UNICODE_JUNK = [
  "\u0000",
  "\ud800", // lone high surrogate
  "\udfff", // lone low surrogate
  "\u202e", // right-to-left override
  "\u200b\u200c\u200d\ufeff",
  "\uffff\ufffe",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "e\u0301\u0301\u0301\u0301",
  "\u00a0\u2028\u2029",
  "💉🏥👩‍⚕️",
  "\x1b[31m",
  "%00%ff",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Log4Shell-style lookup sent as hostile input, not a template
  "${jndi:ldap://x}",
  "'; DROP TABLE x; --",
  "*)(uid=*))(|(uid=*",
  "../../../../etc/passwd",
];

const WEIRD_NUMBERS = [
  "1e309",
  "-1e309",
  "1e-400",
  "-0",
  "9007199254740993",
  "-9007199254740993",
  "1.5",
  "0.1e1",
  "123456789012345678901234567890",
  "1E+2",
  "0x10",
  "NaN",
  "Infinity",
  "-Infinity",
  "01",
  ".5",
  "5.",
  "+1",
];

function junkValue(r: Rng, depth = 0): unknown {
  switch (int(r, 0, 9)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return int(r, -2_000_000_000, 2_000_000_000);
    case 3:
      return r() * 1e300 * (r() < 0.5 ? -1 : 1);
    case 4:
      return pick(r, UNICODE_JUNK) + ECHO_MARKER;
    case 5:
      return "x".repeat(int(r, 0, 400)) + ECHO_MARKER;
    case 6:
      return depth > 2 ? [] : Array.from({ length: int(r, 0, 5) }, () => junkValue(r, depth + 1));
    case 7:
      return depth > 2 ? {} : Object.fromEntries(Array.from({ length: int(r, 0, 4) }, (_, i) => [`k${i}`, junkValue(r, depth + 1)]));
    case 8:
      return "";
    default:
      return ECHO_MARKER;
  }
}

// ---- families -----------------------------------------------------------------------------------

type Gen = (r: Rng) => Omit<FuzzCase, "n" | "family">;

const env = (method: string, params: unknown, id: unknown = 1) => ({ jsonrpc: "2.0", id, method, params });
const text = (t: string): Omit<FuzzCase, "n" | "family"> => ({ text: t, expect: "reply" });

/** Replaces a raw JSON number placeholder: lets us write numbers JSON.stringify cannot produce. */
function withRawNumber(obj: unknown, raw: string): string {
  return JSON.stringify(obj).replace('"@@NUM@@"', raw);
}

const families: Record<string, Gen> = {
  "invalid-json": (r) => {
    const valid = JSON.stringify(env(pick(r, METHODS), plausibleParams(pick(r, METHODS))));
    switch (int(r, 0, 11)) {
      case 0:
        return text(valid.slice(0, int(r, 0, valid.length - 1))); // truncated
      case 1:
        return text(valid + pick(r, ["}", "]", ",", " x", "\u0000", "{}"])); // trailing junk
      case 2:
        return text(valid.replace(/"/g, "'"));
      case 3:
        return text(valid.replace(/}$/, ",}"));
      case 4:
        return text(
          pick(r, [
            "",
            " ",
            "\n",
            "undefined",
            "NaN",
            "{",
            "}",
            "[",
            "]",
            "nul",
            "tru",
            "/* c */ {}",
            "{'a':1}",
            '{"a":}',
            "{:1}",
            '"unterminated',
          ]),
        );
      case 5:
        return text(
          `{"jsonrpc":"2.0","id":1,"method":"session.hello","params":{"protocolVersion":${pick(r, ["NaN", "Infinity", "0x1", "1e", "--1", "1.2.3"])}}}`,
        );
      case 6:
        return text(valid.replace(/:/, "::"));
      case 7: {
        // random printable garbage
        let s = "";
        const n = int(r, 1, 300);
        for (let i = 0; i < n; i++) s += String.fromCharCode(int(r, 32, 126));
        return text(s);
      }
      case 8:
        return text(`{"jsonrpc":"2.0","id":1,"method":"session.hello","params":{"clientNonce":"${ECHO_MARKER}\\u12"}}`); // bad escape
      case 9:
        return text(`{"jsonrpc":"2.0","id":1,"method":"directory.search","params":{"query":"a\tb\nc${ECHO_MARKER}"}}`); // raw control chars in string
      case 10:
        return text(valid.split("").reverse().join(""));
      default:
        return text(valid.replace(/,/g, ""));
    }
  },

  "deep-nesting": (r) => {
    const kind = int(r, 0, 3);
    // As deep as fits in one frame: 2 bytes a level for arrays, 6 for objects.
    const depth = int(r, 9, kind === 0 ? 8000 : 2600);
    if (kind === 0) return text("[".repeat(depth) + "]".repeat(depth));
    if (kind === 1) return text(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);
    // nested inside params (the envelope is fine)
    const inner = kind === 2 ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}` : "[".repeat(depth) + "]".repeat(depth);
    const t = `{"jsonrpc":"2.0","id":7,"method":"${pick(r, METHODS)}","params":{"x":${inner}}}`;
    return t.length <= MAX_MESSAGE_BYTES ? text(t) : text(`${'{"a":'.repeat(9)}1${"}".repeat(9)}`);
  },

  "huge-string": (r) => {
    const n = int(r, 201, MAX_MESSAGE_BYTES - 200);
    const s = ECHO_MARKER + pick(r, ["a", "é", "\u0000", " ", "\\"]).repeat(1) + "x".repeat(n);
    const where = int(r, 0, 4);
    let t: string;
    if (where === 0) t = JSON.stringify(env("directory.search", { query: s }));
    else if (where === 1) t = JSON.stringify(env("trust.check", { address: `${s}@x.fr` }));
    else if (where === 2) t = JSON.stringify(env(s.slice(0, 5000), {}));
    else if (where === 3) t = JSON.stringify(env("session.hello", { protocolVersion: 1, clientNonce: NONCE, client: s }));
    else t = JSON.stringify({ jsonrpc: "2.0", id: s.slice(0, 3000), method: "bridge.status", params: {} });
    if (Buffer.byteLength(t) > MAX_MESSAGE_BYTES) t = JSON.stringify(env("directory.search", { query: "y".repeat(300) + ECHO_MARKER }));
    return text(t);
  },

  "huge-array": (r) => {
    const n = int(r, 100, 5000);
    const item = pick(r, ["1", "null", '""', "{}", "[]", "true"]);
    const arr = `[${Array.from({ length: n }, () => item).join(",")}]`;
    const where = int(r, 0, 2);
    let t =
      where === 0
        ? `{"jsonrpc":"2.0","id":1,"method":"directory.search","params":{"query":${arr}}}`
        : where === 1
          ? `{"jsonrpc":"2.0","id":1,"method":"directory.search","params":${arr}}`
          : `{"jsonrpc":"2.0","id":${arr},"method":"bridge.status"}`;
    if (Buffer.byteLength(t) > MAX_MESSAGE_BYTES) t = `{"jsonrpc":"2.0","id":1,"method":"directory.search","params":{"query":[1,2,3]}}`;
    return text(t);
  },

  "wrong-types": (r) => {
    const method = pick(r, METHODS);
    const base: Record<string, unknown> = env(method, plausibleParams(method), int(r, 1, 1000));
    const field = pick(r, ["jsonrpc", "id", "method", "params", "param"]);
    if (field === "param") {
      const p = { ...(base.params as Record<string, unknown>) };
      const keys = Object.keys(p);
      if (keys.length === 0) p[`x${ECHO_MARKER.length}`] = junkValue(r);
      else p[pick(r, keys)] = junkValue(r);
      base.params = p;
    } else {
      let v = junkValue(r);
      // keep the mutation a mutation (a junk string is a valid method name or id shape)
      if (field === "id" && (typeof v === "string" || (typeof v === "number" && Number.isInteger(v)))) v = [v];
      if (field === "method" && typeof v === "string") v = { m: v };
      base[field] = v;
    }
    return text(JSON.stringify(base));
  },

  "unknown-method": (r) => {
    const names = [
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "prototype",
      "Session.hello",
      "session.hello ",
      " session.hello",
      "session.Hello",
      "session",
      "session.",
      ".hello",
      "card.getIdentity\u0000",
      "card.sign",
      "card.login",
      "card.setPin",
      "card.verifyPin",
      "directory.import.file",
      "rpc.discover",
      "system.listMethods",
      "",
      "é",
      "card.getIdentity/../",
      "x".repeat(64),
    ];
    const m = r() < 0.7 ? pick(r, names) : pick(r, METHODS) + pick(r, ["x", "_", ".", "\u200b", "2"]);
    return text(JSON.stringify(env(m, r() < 0.5 ? {} : { pin: "1234", [ECHO_MARKER]: 1 }, int(r, 0, 99))));
  },

  batch: (r) => {
    const n = pick(r, [0, 1, 2, 10, 100, 500]);
    const items = Array.from({ length: n }, (_, i) => env(pick(r, METHODS), plausibleParams(pick(r, METHODS)), i));
    let t = int(r, 0, 3) === 0 ? JSON.stringify([items]) : JSON.stringify(items);
    if (Buffer.byteLength(t) > MAX_MESSAGE_BYTES) t = JSON.stringify(items.slice(0, 20));
    return text(t);
  },

  "binary-frame": (r) => {
    const n = int(r, 0, 512);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(r, 0, 255);
    const payload = r() < 0.3 ? Buffer.from(JSON.stringify(env("bridge.status", {}))) : b;
    return { bytesBase64: payload.toString("base64"), binary: true, expect: "close" };
  },

  "oversize-frame": (r) => {
    const n = int(r, MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES * 4);
    const pad = "z".repeat(Math.max(0, n - 80));
    return { text: JSON.stringify(env("directory.search", { query: ECHO_MARKER + pad })), expect: "close" };
  },

  "invalid-utf8": (r) => {
    const bad = pick(r, [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80]]);
    const pre = Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"directory.search","params":{"query":"`);
    const post = Buffer.from(`"}}`);
    return { bytesBase64: Buffer.concat([pre, Buffer.from(bad), post]).toString("base64"), binary: false, expect: "close" };
  },

  "proto-pollution": (r) => {
    const method = pick(r, METHODS);
    const payload = pick(r, [
      '{"polluted":"yes"}',
      '{"isAdmin":true,"authenticated":true}',
      '{"preAuth":true}',
      '{"prototype":{"preAuth":true}}',
      "null",
      "[]",
    ]);
    const key = pick(r, ["__proto__", "constructor", "prototype", "__defineGetter__", "hasOwnProperty"]);
    const where = int(r, 0, 3);
    let t: string;
    if (where === 0) t = `{"jsonrpc":"2.0","id":3,"method":"${method}","params":{"${key}":${payload}}}`;
    else if (where === 1) t = `{"jsonrpc":"2.0","id":3,"method":"${method}","${key}":${payload},"params":{}}`;
    else if (where === 2) t = `{"${key}":${payload},"jsonrpc":"2.0","id":3,"method":"${method}"}`;
    else t = `{"jsonrpc":"2.0","id":3,"method":"${method}","params":{"a":{"${key}":${payload}}}}`;
    return text(t);
  },

  "unicode-junk": (r) => {
    const junk = Array.from({ length: int(r, 1, 6) }, () => pick(r, UNICODE_JUNK)).join("");
    const where = int(r, 0, 3);
    if (where === 0) return text(JSON.stringify(env("directory.search", { query: junk + ECHO_MARKER + "x".repeat(int(r, 190, 260)) })));
    if (where === 1) return text(JSON.stringify(env("trust.check", { address: junk + ECHO_MARKER })));
    if (where === 2) return text(JSON.stringify(env("directory.lookupByIdNat", { idNat: `8${junk}${ECHO_MARKER}` })));
    return text(JSON.stringify({ jsonrpc: "2.0\u0000", id: 1, method: `bridge.status${junk}`, params: {} }));
  },

  "number-range": (r) => {
    const raw = pick(r, WEIRD_NUMBERS);
    const where = int(r, 0, 4);
    if (where === 0) return text(withRawNumber({ jsonrpc: "2.0", id: "@@NUM@@", method: "bridge.status", params: {} }, raw));
    if (where === 1) return text(withRawNumber(env("session.hello", { protocolVersion: "@@NUM@@", clientNonce: NONCE }), raw));
    if (where === 2) return text(withRawNumber(env("directory.search", { query: `a${ECHO_MARKER}`, limit: "@@NUM@@" }), raw));
    if (where === 3) return text(withRawNumber({ jsonrpc: "@@NUM@@", id: 1, method: "bridge.status" }, raw));
    return text(withRawNumber(env("bridge.status", { n: "@@NUM@@" }), raw));
  },

  envelope: (r) => {
    const method = pick(r, METHODS);
    const full: Record<string, unknown> = env(method, plausibleParams(method), int(r, 1, 50));
    switch (int(r, 0, 6)) {
      case 0:
        delete full.jsonrpc;
        break;
      case 1:
        delete full.id; // a notification: the bridge takes none
        break;
      case 2:
        delete full.method;
        break;
      case 3:
        full.jsonrpc = pick(r, ["1.0", "2", "2.0 ", "3.0", ""]);
        break;
      case 4:
        full[pick(r, ["result", "error", "extra", "Method", "ID", ECHO_MARKER])] = junkValue(r);
        break;
      case 5:
        full.params = { ...(full.params as object), [`extra${int(r, 0, 9)}`]: ECHO_MARKER, pin: "0000" };
        break;
      default:
        return text(JSON.stringify(pick(r, [null, true, 1, `string${ECHO_MARKER}`, {}, { jsonrpc: "2.0" }])));
    }
    return text(JSON.stringify(full));
  },
};

export const FAMILIES = Object.keys(families);
/** Frames the transport refuses (the connection closes): one of them per round, not one in four. */
const CLOSING = ["binary-frame", "oversize-frame", "invalid-utf8"];
const ANSWERED = FAMILIES.filter((f) => !CLOSING.includes(f));

/**
 * Deterministic cases for `seed`. Rounds of every answered family plus one closing family in
 * turn (so about one frame in twelve closes the connection); content from the seeded stream.
 */
export function* fuzzCases(seed: number = DEFAULT_FUZZ_SEED, count = 10_000): Generator<FuzzCase> {
  const r = mulberry32(seed);
  const round = ANSWERED.length + 1;
  for (let n = 0; n < count; n++) {
    const k = n % round;
    const family = k < ANSWERED.length ? ANSWERED[k]! : CLOSING[Math.floor(n / round) % CLOSING.length]!;
    const c = families[family]!(r);
    yield { n, family, ...c };
  }
}

/** The frame to send for a case. */
export function frameOf(c: FuzzCase): { data: string | Buffer; binary: boolean } {
  if (c.bytesBase64 !== undefined) return { data: Buffer.from(c.bytesBase64, "base64"), binary: c.binary ?? false };
  return { data: c.text ?? "", binary: false };
}

/** A stable digest of a case list (determinism check). */
export function digestCases(cases: Iterable<FuzzCase>): string {
  // FNV-1a over the JSON of each case: no crypto needed, stable across runs.
  let h = 0x811c9dc5;
  for (const c of cases) {
    const s = JSON.stringify(c);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, "0");
}

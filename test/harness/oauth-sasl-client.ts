/**
 * SASL XOAUTH2 and OAUTHBEARER (RFC 7628) over IMAP and SMTP submission with STARTTLS, from Node:
 * what Thunderbird sends on an OAuth2 account (authMethod 10: XOAUTH2), to check the PSC front's
 * servers directly. The bearer token is sent, never returned or logged: results carry the servers'
 * answers only (which never contain it), and a refusal's JSON challenge decoded.
 */
import { connectLines } from "./line-connection.ts";

export type OAuthMechanism = "XOAUTH2" | "OAUTHBEARER";

/** The initial client response: XOAUTH2 `user=…^Aauth=Bearer …^A^A`, OAUTHBEARER `n,a=…,^Ahost=…^Aport=…^Aauth=Bearer …^A^A`. */
export function oauthInitialResponse(mechanism: OAuthMechanism, user: string, token: string, host = "localhost", port = 143): string {
  const raw =
    mechanism === "XOAUTH2"
      ? `user=${user}\x01auth=Bearer ${token}\x01\x01`
      : `n,a=${user.replace(/=/g, "=3D").replace(/,/g, "=2C")},\x01host=${host}\x01port=${port}\x01auth=Bearer ${token}\x01\x01`;
  return Buffer.from(raw, "utf8").toString("base64");
}

/** A refusal's challenge (`+ <base64 JSON>` / `334 <base64 JSON>`), decoded: e.g. `{"status":"401",…}`. */
function decodeChallenge(line: string): Record<string, unknown> | undefined {
  const b64 = line.replace(/^(\+|334) ?/, "");
  try {
    return JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface OAuthLoginOptions {
  port: number;
  ca: Buffer;
  servername: string;
  mechanism?: OAuthMechanism;
  user: string;
  token: string;
}

export interface ImapOAuthResult {
  /** Capabilities after STARTTLS (the AUTH= ones show which mechanisms are offered). */
  capabilities: string[];
  /** The tagged answer to AUTHENTICATE. */
  auth: string;
  /** The server's JSON error challenge, when it refused the token. */
  challenge?: Record<string, unknown>;
  mailboxes: string[];
}

/** STARTTLS, CAPABILITY, AUTHENTICATE XOAUTH2|OAUTHBEARER with an initial response, LIST on success. */
export async function imapOAuthLogin(o: OAuthLoginOptions): Promise<ImapOAuthResult> {
  const mechanism = o.mechanism ?? "XOAUTH2";
  const c = await connectLines(o.port);
  try {
    await c.until((l) => l.startsWith("* OK"));
    c.write("s STARTTLS\r\n");
    await c.until((l) => l.startsWith("s "));
    await c.startTls({ ca: o.ca, servername: o.servername });
    c.write("c CAPABILITY\r\n");
    const caps = (await c.until((l) => l.startsWith("c "))).find((l) => l.startsWith("* CAPABILITY")) ?? "";
    c.write(`a1 AUTHENTICATE ${mechanism} ${oauthInitialResponse(mechanism, o.user, o.token, o.servername, o.port)}\r\n`);
    let challenge: Record<string, unknown> | undefined;
    let auth = "";
    for (;;) {
      const line = (await c.until((l) => l.startsWith("a1 ") || l.startsWith("+")))?.at(-1) ?? "";
      if (line.startsWith("+")) {
        // A refused token: the server sends its error as a challenge, the client answers empty (XOAUTH2)
        // or with ^A (OAUTHBEARER, RFC 7628 §3.2.3), then gets the tagged NO.
        challenge = decodeChallenge(line);
        c.write(mechanism === "XOAUTH2" ? "\r\n" : `${Buffer.from("\x01").toString("base64")}\r\n`);
        continue;
      }
      auth = line;
      break;
    }
    const mailboxes: string[] = [];
    if (auth.startsWith("a1 OK")) {
      c.write('a2 LIST "" "*"\r\n');
      for (const l of await c.until((x) => x.startsWith("a2 "))) {
        const m = /^\* LIST \([^)]*\) "[^"]*" "?([^"]+)"?$/.exec(l);
        if (m) mailboxes.push(m[1]!);
      }
    }
    c.write("a9 LOGOUT\r\n");
    return { capabilities: caps.split(" ").slice(2), auth, ...(challenge ? { challenge } : {}), mailboxes };
  } finally {
    c.close();
  }
}

export interface SmtpOAuthResult {
  /** The EHLO answer's AUTH line after STARTTLS. */
  authLine: string;
  /** The answer to AUTH. */
  auth: string;
  challenge?: Record<string, unknown>;
  /** Every reply from MAIL FROM on, when authenticated. */
  replies: string[];
  accepted: boolean;
}

/** STARTTLS, AUTH XOAUTH2|OAUTHBEARER, then one message. */
export async function smtpOAuthSend(
  o: OAuthLoginOptions & { from: string; to: string; subject: string; body: string },
): Promise<SmtpOAuthResult> {
  const mechanism = o.mechanism ?? "XOAUTH2";
  const c = await connectLines(o.port);
  const reply = async () => (await c.until((l) => /^\d{3} /.test(l))).join("\n");
  try {
    await reply();
    c.write("EHLO client.test\r\n");
    await reply();
    c.write("STARTTLS\r\n");
    await reply();
    await c.startTls({ ca: o.ca, servername: o.servername });
    c.write("EHLO client.test\r\n");
    const ehlo = await reply();
    const authLine = ehlo.split("\n").find((l) => /^250[- ]AUTH /.test(l)) ?? "";
    c.write(`AUTH ${mechanism} ${oauthInitialResponse(mechanism, o.user, o.token, o.servername, o.port)}\r\n`);
    let auth = await reply();
    let challenge: Record<string, unknown> | undefined;
    if (auth.startsWith("334")) {
      challenge = decodeChallenge(auth);
      c.write(mechanism === "XOAUTH2" ? "\r\n" : `${Buffer.from("\x01").toString("base64")}\r\n`);
      auth = await reply();
    }
    const base = { authLine, auth, ...(challenge ? { challenge } : {}) };
    const replies: string[] = [];
    const step = async (cmd: string, ok: RegExp) => {
      c.write(cmd);
      const r = await reply();
      replies.push(r);
      return ok.test(r);
    };
    if (!auth.startsWith("235")) {
      // Unauthenticated: still try to send, to show the server refuses it.
      if (await step(`MAIL FROM:<${o.from}>\r\n`, /^250/)) await step(`RCPT TO:<${o.to}>\r\n`, /^250/);
      return { ...base, replies, accepted: false };
    }
    if (!(await step(`MAIL FROM:<${o.from}>\r\n`, /^250/))) return { ...base, replies, accepted: false };
    if (!(await step(`RCPT TO:<${o.to}>\r\n`, /^250/))) return { ...base, replies, accepted: false };
    if (!(await step("DATA\r\n", /^354/))) return { ...base, replies, accepted: false };
    const accepted = await step(
      `From: <${o.from}>\r\nTo: <${o.to}>\r\nSubject: ${o.subject}\r\nDate: ${new Date().toUTCString()}\r\n\r\n${o.body}\r\n.\r\n`,
      /^250/,
    );
    c.write("QUIT\r\n");
    return { ...base, replies, accepted };
  } finally {
    c.close();
  }
}

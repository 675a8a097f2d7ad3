/**
 * The IMAP user name (what Thunderbird sends as the SASL EXTERNAL authorisation id): set at
 * creation from the request, kept by repairs, changed by setImapUsername with the identities'
 * folders following the server's URI. On plain objects shaped like Thunderbird's.
 */
import { describe, expect, it } from "vitest";
import { createOrRepair, plan, setImapUsername, type AccountsEnv } from "./accounts.ts";
import type { CreateAccountRequest } from "./api.ts";
import { moveFolders } from "./settings.ts";
import type { Account, Identity, IncomingServer, OutgoingServer } from "./thunderbird-objects.ts";
import { checkAccountRequest, validLoginName } from "./validate.ts";

const ADDRESS = "jean.dupont@mssante.test";
const ID_NAT = "810001234567";

/** An IMAP server whose URI carries its user name, as Thunderbird's does. */
function imapServer(username: string, host: string): IncomingServer & { closed: number } {
  return {
    type: "imap",
    hostname: host,
    port: 143,
    socketType: 2,
    authMethod: 7,
    username,
    get serverURI() {
      return `imap://${encodeURIComponent(this.username)}@${this.hostname}`;
    },
    doBiff: true,
    loginAtStartUp: true,
    closed: 0,
    getBoolValue() {
      throw new Error("no pref");
    },
    setBoolValue() {},
    closeCachedConnections() {
      this.closed++;
    },
    verifyLogon() {},
  };
}

function fakeEnv(): AccountsEnv & { accounts: Account[]; saved: number } {
  const accounts: Account[] = [];
  const smtps: OutgoingServer[] = [];
  const env = {
    accounts,
    saved: 0,
    asSmtp: (s: OutgoingServer) => s,
    savePrefs() {
      env.saved++;
    },
    MS: {
      accounts: {
        get accounts() {
          return accounts;
        },
        findServer: (u: string, h: string) =>
          accounts.find((a) => a.incomingServer?.username === u && a.incomingServer.hostname === h)?.incomingServer ?? null,
        findAccountForServer: (s: IncomingServer) => accounts.find((a) => a.incomingServer === s) ?? null,
        createIncomingServer: (u: string, h: string) => imapServer(u, h),
        createIdentity: (): Identity => ({
          email: "",
          fullName: "",
          smtpServerKey: "",
          valid: false,
          fccFolderURI: "",
          draftsFolderURI: "",
          templatesFolderURI: "",
        }),
        createAccount: (): Account => {
          const ids: Identity[] = [];
          const a: Account = {
            key: `account${accounts.length + 1}`,
            incomingServer: null,
            identities: ids,
            get defaultIdentity() {
              return ids[0] ?? null;
            },
            addIdentity: (i) => void ids.push(i),
          };
          accounts.push(a);
          return a;
        },
        getAccount: (k: string) => accounts.find((a) => a.key === k) ?? null,
      },
      outgoingServer: {
        findServer: (u: string, h: string) => smtps.find((s) => s.username === u && s.hostname === h) ?? null,
        createServer: () => {
          const s = { key: `smtp${smtps.length + 1}`, hostname: "", port: 0, socketType: 0, authMethod: 0, username: "", description: "" };
          const o = { ...s, QueryInterface: () => o } as OutgoingServer;
          smtps.push(o);
          return o;
        },
        getServerByKey: (k: string) => smtps.find((s) => s.key === k) ?? null,
      },
    },
  };
  return env;
}

const request = (username?: string): CreateAccountRequest => ({
  email: ADDRESS,
  realName: "Jean Dupont",
  imap: { host: "imap.cert.mssante.test", port: 143, socketType: 2, authMethod: 7, ...(username ? { username } : {}) },
  smtp: { host: "smtp.cert.mssante.test", port: 587, socketType: 2, authMethod: 7 },
});

describe("the IMAP user name", () => {
  it("is the request's at creation (else the address), and the answer says which", () => {
    const env = fakeEnv();
    expect(createOrRepair(env, request(ID_NAT))).toMatchObject({ ok: true, action: "created", imapUsername: ID_NAT });
    expect(env.accounts[0]!.incomingServer!.username).toBe(ID_NAT);
    const other = fakeEnv();
    expect(createOrRepair(other, request())).toMatchObject({ ok: true, imapUsername: ADDRESS });
  });

  it("is kept by a later run asking for another one: no repair, nothing to confirm", () => {
    const env = fakeEnv();
    createOrRepair(env, request(ID_NAT));
    expect(plan(env, request(ADDRESS))).toMatchObject({ ok: true, existing: { changes: [] } });
    expect(createOrRepair(env, request(ADDRESS))).toMatchObject({ ok: true, action: "unchanged", imapUsername: ID_NAT });
  });

  it("changes with setImapUsername; Sent, Drafts and Templates follow the server's new URI", () => {
    const env = fakeEnv();
    const created = createOrRepair(env, request(ADDRESS));
    if (!created.ok) throw new Error(created.message);
    const server = env.accounts[0]!.incomingServer as IncomingServer & { closed: number };
    const identity = [...env.accounts[0]!.identities!][0]!;
    identity.templatesFolderURI = "mailbox://nobody@Local%20Folders/Templates"; // elsewhere: left alone
    expect(identity.fccFolderURI).toBe("imap://jean.dupont%40mssante.test@imap.cert.mssante.test/Sent");
    const saved = env.saved;

    expect(setImapUsername(env, created.accountId, ID_NAT)).toEqual({ ok: true, changed: true, from: ADDRESS, to: ID_NAT });
    expect(server.username).toBe(ID_NAT);
    expect(server.closed).toBe(1);
    expect(identity.fccFolderURI).toBe("imap://810001234567@imap.cert.mssante.test/Sent");
    expect(identity.draftsFolderURI).toBe("imap://810001234567@imap.cert.mssante.test/Drafts");
    expect(identity.templatesFolderURI).toBe("mailbox://nobody@Local%20Folders/Templates");
    expect(env.saved).toBe(saved + 1);
    // Again: nothing to do.
    expect(setImapUsername(env, created.accountId, ID_NAT)).toEqual({ ok: true, changed: false, from: ID_NAT, to: ID_NAT });
    expect(server.closed).toBe(1);
  });

  it("refuses what is not a user name, or no such account", () => {
    const env = fakeEnv();
    createOrRepair(env, request());
    for (const bad of ["", " ", "a b", "x\n", 12, null, "x".repeat(321)])
      expect(setImapUsername(env, "account1", bad), String(bad)).toMatchObject({ ok: false, code: "invalid-request" });
    expect(setImapUsername(env, "account9", ID_NAT)).toMatchObject({ ok: false, code: "unknown-account" });
    expect(validLoginName(ID_NAT) && validLoginName(ADDRESS)).toBe(true);
    expect(checkAccountRequest({ ...request(), imap: { ...request().imap, username: "" } })).toMatchObject({ ok: false });
  });

  it("moveFolders moves only the folders under the old URI", () => {
    const id: Identity = {
      email: ADDRESS,
      fullName: "",
      smtpServerKey: "",
      valid: true,
      fccFolderURI: "imap://a@h/Sent",
      draftsFolderURI: "imap://a@h2/Drafts",
      templatesFolderURI: "",
    };
    moveFolders(id, "imap://a@h", "imap://b@h");
    expect(id).toMatchObject({ fccFolderURI: "imap://b@h/Sent", draftsFolderURI: "imap://a@h2/Drafts", templatesFolderURI: "" });
  });
});

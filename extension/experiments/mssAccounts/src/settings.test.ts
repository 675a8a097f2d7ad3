import { describe, expect, it } from "vitest";
import type { AccountChange } from "./api.ts";
import { flag, HELD, PAUSED, setCheckFlag, setField, setFolders, show } from "./settings.ts";
import type { Identity, IncomingServer } from "./thunderbird-objects.ts";

function server(prefs: Record<string, boolean> = {}): IncomingServer & { closed: number } {
  const bools = new Map(Object.entries(prefs));
  return {
    type: "imap",
    hostname: "imap.a.fr",
    port: 143,
    socketType: 2,
    authMethod: 7,
    username: "a@a.fr",
    serverURI: "imap://a%40a.fr@imap.a.fr",
    doBiff: true,
    loginAtStartUp: true,
    closed: 0,
    getBoolValue(pref) {
      if (!bools.has(pref)) throw new Error("no pref");
      return bools.get(pref)!;
    },
    setBoolValue: (pref, v) => void bools.set(pref, v),
    closeCachedConnections() {
      this.closed++;
    },
    verifyLogon() {},
  };
}

const identity = (over: Partial<Identity> = {}): Identity => ({
  email: "a@a.fr",
  fullName: "",
  smtpServerKey: "",
  valid: true,
  fccFolderURI: "",
  draftsFolderURI: "",
  templatesFolderURI: "",
  ...over,
});

describe("account settings", () => {
  it("records a difference, and makes it only when applying", () => {
    const s = server();
    const changes: AccountChange[] = [];
    setField(s, "port", 993, changes, "imap", false);
    setField(s, "hostname", "imap.a.fr", changes, "imap", false);
    expect(changes).toEqual([{ field: "imap.port", from: 143, to: 993 }]);
    expect(s.port).toBe(143);
    setField(s, "port", 993, [], "imap", true);
    expect(s.port).toBe(993);
  });

  it("shows values as the setup page lists them", () => {
    expect([show(undefined), show(null), show(""), show(0), show(false), show("x")]).toEqual([null, null, null, 0, false, "x"]);
  });

  it("gives an identity the server's Sent, Drafts and Templates only where it has none", () => {
    const id = identity({ draftsFolderURI: "imap://elsewhere/Drafts" });
    const changes: AccountChange[] = [];
    setFolders(id, server(), changes, true);
    expect(changes.map((c) => c.field)).toEqual(["identity.fccFolderURI", "identity.templatesFolderURI"]);
    expect(id).toMatchObject({
      fccFolderURI: "imap://a%40a.fr@imap.a.fr/Sent",
      draftsFolderURI: "imap://elsewhere/Drafts",
      templatesFolderURI: "imap://a%40a.fr@imap.a.fr/Templates",
    });
  });

  it("keeps checks off while either reason holds and restores the user's own settings after the last", () => {
    const s = server();
    s.loginAtStartUp = false; // the user's choice
    expect(setCheckFlag(s, HELD, true)).toEqual({ paused: false, held: true });
    expect(s).toMatchObject({ doBiff: false, loginAtStartUp: false, closed: 1 });
    expect(setCheckFlag(s, PAUSED, true)).toEqual({ paused: true, held: true });
    expect(s.closed).toBe(1); // already off: connections were closed once
    expect(setCheckFlag(s, HELD, false)).toEqual({ paused: true, held: false });
    expect(s).toMatchObject({ doBiff: false, loginAtStartUp: false });
    expect(setCheckFlag(s, PAUSED, false)).toEqual({ paused: false, held: false });
    expect(s).toMatchObject({ doBiff: true, loginAtStartUp: false });
  });

  it("reads a pref never set as false", () => {
    expect(flag(server(), PAUSED)).toBe(false);
    expect(flag(server({ [PAUSED]: true }), PAUSED)).toBe(true);
  });
});

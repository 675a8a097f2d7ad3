/**
 * Chrome-level checks run inside Thunderbird through the test driver (test/e2e/driver). Each is a
 * small function body executed in the parent process; keeping them here gives the tests readable
 * names (listAccounts, verifyLogon, …) and one place to adapt when Thunderbird's internals move.
 */
import { waitFor } from "../../harness/e2e-process.ts";
import type { Driver } from "../../harness/thunderbird.ts";

export interface ServerInfo {
  key: string;
  type: string;
  hostname: string;
  port: number;
  username: string;
  socketType: number;
  authMethod: number;
}

export interface AccountInfo {
  key: string;
  incoming: ServerInfo | null;
  identities: Array<{ key: string; fullName: string; email: string; smtpServerKey: string | null }>;
}

export interface SmtpInfo {
  key: string;
  hostname: string;
  port: number;
  username: string;
  socketType: number;
  authMethod: number;
}

const SERVER_FIELDS = `({ key: s.key, type: s.type, hostname: s.hostname, port: s.port, username: s.username, socketType: s.socketType, authMethod: s.authMethod })`;

/** Every account with its incoming server and identities, and every outgoing (SMTP) server. */
export async function listAccounts(driver: Driver): Promise<{ accounts: AccountInfo[]; smtp: SmtpInfo[] }> {
  return await driver.chrome(`
    const accounts = [];
    for (const a of MailServices.accounts.accounts) {
      const s = a.incomingServer;
      accounts.push({
        key: a.key,
        incoming: s ? ${SERVER_FIELDS} : null,
        identities: a.identities.map((i) => ({ key: i.key, fullName: i.fullName, email: i.email, smtpServerKey: i.smtpServerKey || null })),
      });
    }
    const out = MailServices.outgoingServer || MailServices.smtp;
    const smtp = [...(out.servers || [])].map((x) => {
      const s = x.QueryInterface ? (() => { try { return x.QueryInterface(Ci.nsISmtpServer); } catch { return x; } })() : x;
      return { key: x.key, hostname: s.hostname, port: s.port, username: x.username, socketType: x.socketType, authMethod: x.authMethod };
    });
    return { accounts, smtp };
  `);
}

/** The manual account path (createIncomingServer …, incomingServer set last). Used before the extension exists. */
export async function createImapAccount(
  driver: Driver,
  a: { username: string; host: string; port: number; socketType: number; authMethod: number; email: string; fullName: string },
): Promise<{ key: string; serverKey: string }> {
  return await driver.chrome(
    `
    const server = MailServices.accounts.createIncomingServer(args.username, args.host, "imap");
    server.port = args.port;
    server.socketType = args.socketType;
    server.authMethod = args.authMethod;
    const identity = MailServices.accounts.createIdentity();
    identity.fullName = args.fullName;
    identity.email = args.email;
    const account = MailServices.accounts.createAccount();
    account.addIdentity(identity);
    account.incomingServer = server;
    return { key: account.key, serverKey: server.key };
  `,
    a,
  );
}

/** Triggers an IMAP logon check (NSS presents the card's certificate and asks for its PIN). */
export async function verifyLogon(
  driver: Driver,
  accountKey: string,
  timeoutMs = 60_000,
): Promise<{ ok: boolean; status: number; error?: string }> {
  return await driver.chrome(
    `
    const server = MailServices.accounts.getAccount(args.key).incomingServer;
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, status: 0, error: "timeout" }), args.timeoutMs);
      const listener = {
        QueryInterface: ChromeUtils.generateQI(["nsIUrlListener"]),
        OnStartRunningUrl() {},
        OnStopRunningUrl(url, status) {
          clearTimeout(timer);
          resolve({ ok: Components.isSuccessCode(status), status: status >>> 0 });
        },
      };
      const msgWindow = Cc["@mozilla.org/messenger/msgwindow;1"].createInstance(Ci.nsIMsgWindow);
      server.verifyLogon(listener, msgWindow);
    });
  `,
    { key: accountKey, timeoutMs },
    timeoutMs + 5_000,
  );
}

/** Refreshes a folder from the server and returns the subjects it holds (INBOX by default). With
 *  `waitForSubject`, refreshes again until a message with that subject is there or time is up. */
export async function folderSubjects(
  driver: Driver,
  accountKey: string,
  opts: { folder?: string; waitForSubject?: string; timeoutMs?: number } = {},
): Promise<{ folders: string[]; subjects: string[] }> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return await driver.chrome(
    `
    const server = MailServices.accounts.getAccount(args.key).incomingServer;
    const root = server.rootFolder;
    // No msgWindow: a bare one left attached to the cached IMAP connection broke the later copy to Sent.
    const msgWindow = null;
    let target = null;
    try { target = root.getChildNamed(args.folder); } catch {}
    target = target || root.getFolderWithFlags(Ci.nsMsgFolderFlags.Inbox);
    const subjectsNow = () => {
      const out = [];
      for (const hdr of target.messages) {
        const h = hdr.QueryInterface(Ci.nsIMsgDBHdr);
        out.push(h.mime2DecodedSubject || h.subject);
      }
      return out;
    };
    const end = Date.now() + args.timeoutMs;
    let subjects = [];
    for (;;) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.max(1000, end - Date.now()));
        const listener = {
          QueryInterface: ChromeUtils.generateQI(["nsIUrlListener"]),
          OnStartRunningUrl() {},
          OnStopRunningUrl() { clearTimeout(timer); resolve(); },
        };
        target.QueryInterface(Ci.nsIMsgImapMailFolder).updateFolderWithListener(msgWindow, listener);
      });
      subjects = subjectsNow();
      if (!args.waitForSubject || subjects.includes(args.waitForSubject) || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    return { folders: root.descendants.map((f) => f.QueryInterface(Ci.nsIMsgFolder).name), subjects };
  `,
    { key: accountKey, folder: opts.folder ?? "INBOX", waitForSubject: opts.waitForSubject ?? null, timeoutMs },
    timeoutMs + 5_000,
  );
}

/**
 * Waits until the account's Sent copy of `messageId` carries the tag `tag` (a key such as
 * "mss_delivered"); gives its keywords and the tag's label.
 */
export function sentCopyTag(
  driver: Driver,
  accountKey: string,
  messageId: string,
  tag: string,
  timeoutMs = 60_000,
): Promise<{ keywords: string; label: string }> {
  return waitFor(
    `the Sent copy tagged ${tag}`,
    async () =>
      await driver.chrome<{ keywords: string; label: string } | null>(
        `const root = MailServices.accounts.getAccount(args.key).incomingServer.rootFolder;
         const sent = root.getFolderWithFlags(Ci.nsMsgFolderFlags.SentMail);
         if (!sent) return null;
         for (const h of sent.messages) {
           const hdr = h.QueryInterface(Ci.nsIMsgDBHdr);
           if (hdr.messageId === args.id) {
             const keywords = hdr.getStringProperty("keywords");
             if (!keywords.split(" ").includes(args.tag)) return null;
             return { keywords, label: MailServices.tags.getTagForKey(args.tag) };
           }
         }
         return null;`,
        { key: accountKey, id: messageId, tag },
      ),
    timeoutMs,
    500,
  );
}

/**
 * Thunderbird's read-receipt question above the message shown in the current tab (the
 * `mdnRequested` bar msgHdrView.js builds), once it is there: its text, and with `click` its
 * button 0 (send the receipt) or 1 (ignore the request) clicked, as the GP would.
 */
export async function readReceiptBar(
  driver: Driver,
  click: 0 | 1 | null = null,
  timeoutMs = 30_000,
): Promise<{ text: string; clicked: string | null }> {
  return await waitFor(
    "the read-receipt bar",
    async () =>
      await driver.chrome<{ text: string; clicked: string | null } | null>(
        `const w = Services.wm.getMostRecentWindow("mail:3pane");
         const info = w.document.getElementById("tabmail").currentTabInfo;
         const am = info.chromeBrowser && info.chromeBrowser.contentWindow;
         const box = am && am.gMessageNotificationBar && am.gMessageNotificationBar.msgNotificationBar;
         const n = box && box.getNotificationWithValue("mdnRequested");
         if (!n) return null;
         const text = (n.messageText && n.messageText.textContent) || "shown";
         if (args.click === null) return { text, clicked: null };
         const buttons = [...n.querySelectorAll("*")].filter((e) => "buttonInfo" in e);
         if (buttons.length < 2) return null;
         buttons[args.click].click();
         return { text, clicked: buttons[args.click].buttonInfo.label };`,
        { click },
      ),
    timeoutMs,
    250,
  );
}

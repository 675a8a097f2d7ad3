/**
 * Everything that touches Thunderbird's privileged globals for this Experiment, typed by hand with
 * only what is used: replacing the MDN generator's contract with a factory of watching generators
 * (and putting the original back), and reading a message's account, Message-ID and flags.
 */
import { extensionCommonOf } from "../../extension-common.ts";
import type { MdnGenerator, MessageReader } from "./watching-generator.ts";

const CONTRACT = "@mozilla.org/messenger-mdn/generator;1";

interface Factory {
  createInstance(iid: unknown): unknown;
}

interface Registrar {
  contractIDToCID(contract: string): unknown;
  registerFactory(cid: unknown, name: string, contract: string, factory: Factory | null): void;
  unregisterFactory(cid: unknown, factory: Factory): void;
}

interface MsgFolder {
  readonly server: unknown;
  GetMessageHeader(key: number): { readonly messageId: string; readonly flags: number };
}

interface MimeHeaders {
  extractHeader(name: string, allowMultiple: boolean): string | null;
}

interface ExtensionCommonLike {
  ExtensionAPI: new (extension: unknown) => { extension: unknown };
  EventManager: new (options: {
    context: unknown;
    name: string;
    register: (fire: { async(...args: unknown[]): unknown }) => () => void;
  }) => { api(): unknown };
}

declare const ChromeUtils: {
  importESModule(url: "resource:///modules/MailServices.sys.mjs"): {
    MailServices: {
      accounts: { findAccountForServer(server: unknown): { key: string } | null };
      headerParser: { extractHeaderAddressMailboxes(header: string): string };
    };
  };
  generateQI(interfaces: string[]): unknown;
};
declare const Components: {
  manager: { QueryInterface(iid: unknown): Registrar; getClassObject(cid: unknown, iid: unknown): Factory };
  interfaces: {
    nsIComponentRegistrar: unknown;
    nsIFactory: unknown;
    nsIMsgMdnGenerator: unknown;
    nsMsgMessageFlags: { MDNReportSent: number };
  };
  ID(cid: string): unknown;
};

/** The base class of Experiment APIs (and, where typed, its EventManager). */
export const extensionCommon = (): ExtensionCommonLike => extensionCommonOf<ExtensionCommonLike>();

/** This add-on's factory's class id (fixed: it names the stand-in while it is registered). */
const WATCH_CID = "{26ae288e-1ce0-4182-88bf-9d70d3a220c0}";

/**
 * From now on, Thunderbird's MDN generators are `wrap(original)`. Returns the function that gives
 * the contract back to the original class.
 */
export function replaceMdnGenerator(wrap: (original: MdnGenerator) => MdnGenerator): () => void {
  const Ci = Components.interfaces;
  const registrar = Components.manager.QueryInterface(Ci.nsIComponentRegistrar);
  const originalCID = registrar.contractIDToCID(CONTRACT);
  const original = Components.manager.getClassObject(originalCID, Ci.nsIFactory);
  const cid = Components.ID(WATCH_CID);
  const qi = ChromeUtils.generateQI(["nsIMsgMdnGenerator"]);
  const factory: Factory & { QueryInterface: unknown } = {
    QueryInterface: ChromeUtils.generateQI(["nsIFactory"]),
    createInstance(iid: unknown) {
      const generator = {
        ...wrap(original.createInstance(Ci.nsIMsgMdnGenerator) as MdnGenerator),
        QueryInterface: qi as (iid: unknown) => unknown,
      };
      return generator.QueryInterface(iid);
    },
  };
  registrar.registerFactory(cid, "MSSanté read-receipt trace", CONTRACT, factory);
  return () => {
    registrar.unregisterFactory(cid, factory);
    registrar.registerFactory(originalCID, "", CONTRACT, null);
  };
}

/** The first address of an address header, "" when there is none. */
function firstMailbox(header: string | null): string {
  if (!header) return "";
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  return MailServices.headerParser.extractHeaderAddressMailboxes(header).split(",")[0]?.trim() ?? "";
}

export const messageReader: MessageReader = {
  answered(folder, key) {
    const flag = Components.interfaces.nsMsgMessageFlags.MDNReportSent;
    return ((folder as MsgFolder).GetMessageHeader(key).flags & flag) !== 0;
  },
  facts(folder, key, headers) {
    const f = folder as MsgFolder;
    const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
    const h = headers as MimeHeaders;
    return {
      accountId: MailServices.accounts.findAccountForServer(f.server)?.key ?? "",
      messageId: f.GetMessageHeader(key).messageId ?? "",
      to: firstMailbox(h.extractHeader("Disposition-Notification-To", false) || h.extractHeader("Return-Receipt-To", false)),
    };
  },
};

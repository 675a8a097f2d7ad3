/**
 * The part of Thunderbird's `messenger` API this extension uses, typed by hand from the API
 * schemas (webextension-api.thunderbird.net, Thunderbird 153); webextension-polyfill is not used
 * (docs/decisions.md: a no-op in Thunderbird, typed for Firefox only). The unit tests' fake (extension/test-support/fake-messenger.ts) implements
 * exactly this interface, so a mismatch shows up at type-check time. The mssAccounts Experiment's
 * API is defined once, beside its implementation (extension/experiments/mssAccounts/src/api.ts).
 */
import type { MssAccountsApi } from "../experiments/mssAccounts/src/api.ts";
import type { MssComposeFieldsApi } from "../experiments/mssComposeFields/src/api.ts";
import type { MssDirectorySearchApi } from "../experiments/mssDirectorySearch/src/api.ts";
import type { MssReadReceiptsApi } from "../experiments/mssReadReceipts/src/api.ts";
import type { ReadingApis } from "./reading/reading-apis.ts";

export interface WebExtEvent<F extends (...args: never[]) => unknown> {
  addListener(listener: F, ...extra: unknown[]): void;
  removeListener(listener: F): void;
  hasListener(listener: F): boolean;
}

/**
 * A contact as the address book provider returns it: a flat ContactProperties map
 * (DisplayName, PrimaryEmail, …), or `{ vCard }`, which Thunderbird reads before any flat property
 * (ours: contact-vcard.ts). Checked on Thunderbird 153 with an MV2 extension: a `{id, properties}`
 * wrapper is read as a flat map too, so its cards reach autocomplete empty.
 */
export type ProviderContact = Record<string, string>;

export interface AddressBookNode {
  id: string;
  name?: string;
  type?: string;
}

export interface SearchRequestReturn {
  results: ProviderContact[];
  isCompleteResult: boolean;
}

export type SearchRequestListener = (
  node: AddressBookNode,
  searchString: string | null,
  query: string | null,
) => Promise<SearchRequestReturn> | SearchRequestReturn;

export interface ComposeTab {
  id: number;
  windowId?: number;
  type?: string;
}

export interface ComposeDetails {
  identityId?: string;
  from?: string;
  to?: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  subject?: string;
  customHeaders?: { name: string; value: string }[];
  /**
   * Manifest V2, with accountsRead: "" saves no copy of the sent message at all (a folder object
   * would choose another; unused here); overrideDefaultFcc false puts back the identity's own.
   */
  overrideDefaultFccFolder?: "";
  overrideDefaultFcc?: boolean;
  /** DSN (RFC 3461) requested in the SMTP envelope; returnReceipt: Disposition-Notification-To (Thunderbird 102+). */
  deliveryStatusNotification?: boolean;
  returnReceipt?: boolean;
  /** The body: HTML (when isPlainText is false) and its plain-text form (the patient size check reads them). */
  body?: string;
  plainTextBody?: string;
  isPlainText?: boolean;
}

/** compose.ComposeAttachment (the fields used); size in bytes. */
export interface ComposeAttachment {
  id: number;
  name?: string;
  size?: number;
}

export type BeforeSendListener = (
  tab: ComposeTab,
  details: ComposeDetails,
) => Promise<{ cancel?: boolean; details?: ComposeDetails } | undefined> | { cancel?: boolean } | undefined;

/** compose.onAfterSend's sendInfo (Thunderbird 153). */
export interface SendInfo {
  mode: "sendNow" | "sendLater" | "draft" | "template" | string;
  /** Set when the send failed. */
  error?: string;
  headerMessageId?: string;
  messages?: unknown[];
}

export type AfterSendListener = (tab: ComposeTab, sendInfo: SendInfo) => void | Promise<void>;

export interface MailIdentity {
  id: string;
  accountId?: string;
  email: string;
  name?: string;
}

export interface Pkcs11Slot {
  name: string;
  token: { name: string; manufacturer?: string; HWVersion?: string; FWVersion?: string; serial?: string; isLoggedIn?: boolean } | null;
}

export type MessageSender = { id?: string; url?: string; tab?: { id?: number } };
/** A runtime.onMessage listener: its promise is the answer; returning nothing leaves the message to others. */
type RuntimeMessageListener = (msg: unknown, sender: MessageSender) => Promise<unknown> | undefined;

/** Ports from runtime.connectNative. */
export interface NativePort {
  name: string;
  error?: { message: string } | null;
  postMessage(msg: unknown): void;
  disconnect(): void;
  onMessage: WebExtEvent<(msg: unknown) => void>;
  onDisconnect: WebExtEvent<(port: NativePort) => void>;
}

export interface Messenger {
  runtime: {
    getURL(path: string): string;
    getManifest(): { version: string; [k: string]: unknown };
    sendMessage(msg: unknown): Promise<unknown>;
    onMessage: WebExtEvent<RuntimeMessageListener>;
    onInstalled: WebExtEvent<(details: { reason: string; temporary?: boolean }) => void>;
    sendNativeMessage(application: string, message: unknown): Promise<unknown>;
    connectNative(application: string): NativePort;
    openOptionsPage?(): Promise<void>;
  };
  storage: {
    local: {
      get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string | string[]): Promise<void>;
    };
  };
  i18n: { getMessage(name: string, substitutions?: string | string[]): string; getUILanguage(): string };
  addressBooks: {
    provider: {
      onSearchRequest: WebExtEvent<SearchRequestListener>;
    };
  };
  compose: {
    onBeforeSend: WebExtEvent<BeforeSendListener>;
    onAfterSend: WebExtEvent<AfterSendListener>;
    getComposeDetails(tabId: number): Promise<ComposeDetails>;
    setComposeDetails(tabId: number, details: ComposeDetails): Promise<void>;
    /** compose.addAttachment with a FileAttachment; optional: the unit tests' fake leaves it out. */
    addAttachment?(tabId: number, attachment: { file: File; name?: string }): Promise<unknown>;
    /** compose.listAttachments (the patient size check); optional: the unit tests' fake leaves it out. */
    listAttachments?(tabId: number): Promise<ComposeAttachment[]>;
  };
  identities: {
    get(identityId: string): Promise<MailIdentity | null>;
  };
  pkcs11: {
    isModuleInstalled(name: string): Promise<boolean>;
    installModule(name: string, flags?: number): Promise<void>;
    getModuleSlots(name: string): Promise<Pkcs11Slot[]>;
  };
  browserAction: {
    setBadgeText(details: { text: string }): Promise<void>;
    setBadgeBackgroundColor(details: { color: string }): Promise<void>;
    setTitle(details: { title: string }): Promise<void>;
    setIcon(details: { path: string | Record<string, string> }): Promise<void>;
  };
  notifications: {
    create(id: string, options: { type: "basic"; title: string; message: string; iconUrl?: string }): Promise<string>;
    onClicked: WebExtEvent<(notificationId: string) => void>;
  };
  windows: {
    create(data: {
      url: string;
      type?: "popup" | "normal";
      width?: number;
      height?: number;
      allowScriptsToClose?: boolean;
    }): Promise<{ id?: number }>;
    remove(windowId: number): Promise<void>;
    onRemoved: WebExtEvent<(windowId: number) => void>;
  };
  tabs: {
    create(props: { url: string; active?: boolean }): Promise<{ id?: number }>;
    query?(props: { active?: boolean; currentWindow?: boolean; lastFocusedWindow?: boolean }): Promise<{ id?: number; type?: string }[]>;
  };
  mssAccounts: MssAccountsApi;
  /** Read receipts the GP returns or declines (the mssReadReceipts Experiment); optional: the unit tests' fake leaves it out. */
  mssReadReceipts?: MssReadReceiptsApi;
  /** The recipient fields' search delay (the mssComposeFields Experiment); optional: the unit tests' fake leaves it out. */
  mssComposeFields?: MssComposeFieldsApi;
  /** The directory's autocomplete answered in the parent process (the mssDirectorySearch Experiment); optional as above. */
  mssDirectorySearch?: MssDirectorySearchApi;
  /** Reading a displayed message (reading/reading-apis.ts); optional: the unit tests' fake leaves them out. */
  messageDisplay?: ReadingApis["messageDisplay"];
  messages?: ReadingApis["messages"];
  messageDisplayAction?: ReadingApis["messageDisplayAction"];
  messageDisplayScripts?: ReadingApis["messageDisplayScripts"];
}

/** Thunderbird gave this extension the message-reading APIs (permissions messagesRead, messagesModify). */
export function hasReadingApis(m: Messenger): m is Messenger & ReadingApis {
  return !!(m.messageDisplay && m.messages && m.messageDisplayAction && m.messageDisplayScripts);
}

/** The global Thunderbird provides to extension pages and the background. */
export function getMessenger(): Messenger {
  const g = globalThis as unknown as { messenger?: Messenger; browser?: Messenger };
  const m = g.messenger ?? g.browser;
  if (!m) throw new Error("messenger API unavailable: not running inside Thunderbird");
  return m;
}

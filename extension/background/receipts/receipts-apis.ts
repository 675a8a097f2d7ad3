/**
 * The parts of Thunderbird's `messenger` API (MV2, Thunderbird 153 schemas) the receipts and the
 * trace use, beyond reading/reading-apis.ts: finding a message by its Message-ID, its raw text,
 * its tags, the new-mail / deleted / moved events (permissions accountsRead, messagesRead,
 * messagesUpdate, messagesTags, messagesTagsList) and storage.onChanged.
 */
import type { WebExtEvent } from "../messenger-types.ts";
import type { MessageHeader } from "../reading/reading-apis.ts";

export interface MailFolder {
  accountId: string;
  path?: string;
  /** Thunderbird 121+: "sent", "inbox", "trash"… */
  specialUse?: string[];
  /** MV2 (deprecated): "sent", "inbox"… */
  type?: string;
}

export interface FullHeader extends MessageHeader {
  folder?: MailFolder | null;
  tags?: string[];
  recipients?: string[];
  ccList?: string[];
  bccList?: string[];
  size?: number;
}

export interface MessageList {
  id: string | null;
  messages: FullHeader[];
}

/** messages.MessagePart, the fields used. */
export interface ReportPart {
  contentType?: string;
  parts?: ReportPart[];
}

export interface ReceiptsApis {
  messages: {
    query(info: { headerMessageId?: string }): Promise<MessageList>;
    getRaw(messageId: number): Promise<string>;
    getFull(messageId: number): Promise<ReportPart>;
    update(messageId: number, props: { tags?: string[] }): Promise<void>;
    onNewMailReceived: WebExtEvent<(folder: MailFolder, messages: MessageList) => void>;
    onDeleted: WebExtEvent<(messages: MessageList) => void>;
    onMoved: WebExtEvent<(original: MessageList, moved: MessageList) => void>;
    /** A message's properties changed; `changed` holds the new values (e.g. {read: true}). */
    onUpdated: WebExtEvent<(message: FullHeader, changed: { read?: boolean; flagged?: boolean; [property: string]: unknown }) => void>;
    tags: {
      list(): Promise<{ key: string; tag: string; color: string }[]>;
      create(key: string, tag: string, color: string): Promise<unknown>;
    };
  };
  messageDisplay: {
    onMessageDisplayed: WebExtEvent<(tab: { id?: number }, message: FullHeader | null) => void>;
    getDisplayedMessage(tabId: number): Promise<FullHeader | null>;
  };
}

export type StorageChange = { oldValue?: unknown; newValue?: unknown };

export interface StorageEvents {
  storage: { onChanged: WebExtEvent<(changes: Record<string, StorageChange>, area: string) => void> };
}

/** Thunderbird gave this extension what the receipts need. */
export function hasReceiptsApis<T extends object>(m: T): m is T & ReceiptsApis {
  const x = m as { messages?: Partial<ReceiptsApis["messages"]>; messageDisplay?: unknown };
  const fns = [x.messages?.query, x.messages?.getRaw, x.messages?.update, x.messages?.onNewMailReceived, x.messages?.tags];
  return fns.every((f) => f !== undefined) && x.messageDisplay !== undefined;
}

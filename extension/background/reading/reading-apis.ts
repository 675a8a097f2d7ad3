/**
 * The message-reading part of Thunderbird's `messenger` API (MV2, Thunderbird 153), typed by hand
 * from its schemas: messageDisplay, messages (permission messagesRead), messageDisplayAction,
 * messageDisplayScripts (permission messagesModify). Optional in `Messenger` so that the unit tests'
 * fake needs them only where a test reads messages.
 */
import type { WebExtEvent } from "../messenger-types.ts";

export interface MailFolderRef {
  accountId: string;
  path?: string;
  /** Thunderbird 121+: "sent", "drafts", "templates", "outbox", "inbox"… */
  specialUse?: string[];
  /** MV2 (deprecated): the same words. */
  type?: string;
}

/** messages.MessageHeader (the fields used). */
export interface MessageHeader {
  id: number;
  author: string;
  subject: string;
  folder?: MailFolderRef | null;
  headerMessageId?: string;
}

/** messages.MessagePart: headers are lower-case names → values in message order. */
export interface MessagePart {
  contentType?: string;
  headers?: Record<string, string[]>;
  name?: string;
  partName?: string;
  size?: number;
  parts?: MessagePart[];
}

export interface MessageAttachment {
  contentType: string;
  name: string;
  partName: string;
  size: number;
}

export interface DisplayTab {
  id?: number;
  windowId?: number;
}

export interface ReadingApis {
  messageDisplay: {
    onMessageDisplayed: WebExtEvent<(tab: DisplayTab, message: MessageHeader | null) => void>;
    getDisplayedMessage(tabId: number): Promise<MessageHeader | null>;
  };
  messages: {
    getFull(messageId: number): Promise<MessagePart>;
    listAttachments(messageId: number): Promise<MessageAttachment[]>;
    getAttachmentFile(messageId: number, partName: string): Promise<Blob>;
    /** The message as sent (RFC 5322 text; a binary string in MV2, or a File): read for a delivery report only. */
    getRaw?(messageId: number): Promise<string | Blob>;
  };
  messageDisplayAction: {
    setTitle(details: { title: string; tabId?: number }): Promise<void>;
    setBadgeText(details: { text: string; tabId?: number }): Promise<void>;
    setBadgeBackgroundColor(details: { color: string; tabId?: number }): Promise<void>;
  };
  messageDisplayScripts: {
    register(scripts: { js?: { file: string }[]; css?: { file: string }[] }): Promise<unknown>;
  };
}

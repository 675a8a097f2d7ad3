/**
 * A fake mailbox for unit tests of the receipts and the trace, added to the fake messenger: the
 * messages API parts of receipts-apis.ts (query by Message-ID, getRaw, getFull's content type,
 * update of tags, tags.list/create that throws on a used key as Thunderbird does), the new-mail,
 * deleted and moved events, messageDisplay, and storage.onChanged fired by storage.local.set.
 */
import type { Messenger } from "../background/messenger-types.ts";
import type {
  FullHeader,
  MailFolder,
  MessageList,
  ReceiptsApis,
  StorageChange,
  StorageEvents,
} from "../background/receipts/receipts-apis.ts";
import { createFakeMessenger, FakeEvent, type FakeControls } from "./fake-messenger.ts";

export interface FakeStoredMessage {
  header: FullHeader;
  raw: string;
}

export interface FakeMailbox {
  messages: Map<number, FakeStoredMessage>;
  tags: Map<string, { tag: string; color: string }>;
  displayed: Map<number, number>;
  events: {
    onNewMailReceived: FakeEvent<(folder: MailFolder, list: MessageList) => void>;
    onDeleted: FakeEvent<(list: MessageList) => void>;
    onMoved: FakeEvent<(a: MessageList, b: MessageList) => void>;
    onUpdated: FakeEvent<(message: FullHeader, changed: { read?: boolean; flagged?: boolean; [property: string]: unknown }) => void>;
    onMessageDisplayed: FakeEvent<(tab: { id?: number }, h: FullHeader | null) => void>;
    onStorageChanged: FakeEvent<(changes: Record<string, StorageChange>, area: string) => void>;
  };
  /** Files a message and fires onNewMailReceived for its folder. */
  deliver(header: FullHeader, raw: string): void;
}

export function createFakeMailbox(): { m: Messenger & ReceiptsApis & StorageEvents; fake: FakeControls; box: FakeMailbox } {
  const { messenger, fake } = createFakeMessenger();
  const box: FakeMailbox = {
    messages: new Map(),
    tags: new Map(),
    displayed: new Map(),
    events: {
      onNewMailReceived: new FakeEvent(),
      onDeleted: new FakeEvent(),
      onMoved: new FakeEvent(),
      onUpdated: new FakeEvent(),
      onMessageDisplayed: new FakeEvent(),
      onStorageChanged: new FakeEvent(),
    },
    deliver(header, raw) {
      box.messages.set(header.id, { header: structuredClone(header), raw });
      for (const { fn } of box.events.onNewMailReceived.entries) fn(header.folder!, { id: null, messages: [structuredClone(header)] });
    },
  };
  const set = messenger.storage.local.set.bind(messenger.storage.local);
  messenger.storage.local.set = async (items) => {
    const changes: Record<string, StorageChange> = {};
    for (const [k, v] of Object.entries(items))
      changes[k] = { oldValue: structuredClone(fake.storage.get(k)), newValue: structuredClone(v) };
    await set(items);
    for (const { fn } of box.events.onStorageChanged.entries) fn(changes, "local");
  };
  const header = (id: number) => {
    const x = box.messages.get(id);
    if (!x) throw new Error(`Message not found: ${id}.`);
    return x;
  };
  const apis: ReceiptsApis & StorageEvents = {
    messages: {
      async query(info) {
        return {
          id: null,
          messages: [...box.messages.values()]
            .filter((x) => x.header.headerMessageId === info.headerMessageId)
            .map((x) => structuredClone(x.header)),
        };
      },
      async getRaw(id) {
        return header(id).raw;
      },
      async getFull(id) {
        const ct = /^content-type:\s*([^;\r\n]+)/im.exec(header(id).raw.split(/\r?\n\r?\n/)[0] ?? "");
        // As Thunderbird 153: the root part is the message, its first part the top-level entity.
        return { contentType: "message/rfc822", parts: [{ contentType: ct?.[1]?.trim().toLowerCase() ?? "text/plain" }] };
      },
      async update(id, props) {
        if (props.tags) header(id).header.tags = [...props.tags];
      },
      onNewMailReceived: box.events.onNewMailReceived,
      onDeleted: box.events.onDeleted,
      onMoved: box.events.onMoved,
      onUpdated: box.events.onUpdated,
      tags: {
        async list() {
          return [...box.tags].map(([key, t]) => ({ key, ...t }));
        },
        async create(key, tag, color) {
          if (box.tags.has(key.toLowerCase())) throw new Error(`Tag already exists: ${key}`);
          box.tags.set(key.toLowerCase(), { tag, color: color.toUpperCase() });
        },
      },
    },
    messageDisplay: {
      onMessageDisplayed: box.events.onMessageDisplayed,
      async getDisplayedMessage(tabId) {
        const id = box.displayed.get(tabId);
        return id === undefined ? null : structuredClone(header(id).header);
      },
    },
    storage: { ...messenger.storage, onChanged: box.events.onStorageChanged },
  };
  const m = Object.assign(messenger, { messages: apis.messages, messageDisplay: apis.messageDisplay }) as Messenger &
    ReceiptsApis &
    StorageEvents;
  (m.storage as StorageEvents["storage"] & Messenger["storage"]).onChanged = box.events.onStorageChanged;
  return { m, fake, box };
}

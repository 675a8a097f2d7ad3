/**
 * The size of the message being composed, as it will be submitted (I/O around
 * shared/domain/patient-recipients.ts's estimate): the body and header values from the compose
 * details Thunderbird gave onBeforeSend, each attachment's name and size from
 * compose.listAttachments. Null when the attachments cannot be listed.
 */
import { encodedMessageSize } from "../../shared/domain/patient-recipients.ts";
import type { ComposeDetails, Messenger } from "./messenger-types.ts";

function values(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.filter((x) => typeof x === "string") : [v];
}

export async function composedMessageSize(m: Messenger, tabId: number, details: ComposeDetails): Promise<number | null> {
  if (!m.compose.listAttachments) return null;
  let attachments: { name: string; size: number }[];
  try {
    attachments = (await m.compose.listAttachments(tabId)).map((a) => ({ name: a.name ?? "", size: a.size ?? 0 }));
  } catch {
    return null;
  }
  const html = details.isPlainText ? null : (details.body ?? null);
  return encodedMessageSize({
    headers: [...values(details.from), ...values(details.to), ...values(details.cc), ...values(details.subject)],
    html,
    plainText: details.plainTextBody ?? null,
    attachments,
  });
}

/**
 * One document of a displayed message: a PDF (an attachment, or the CDA's nonXMLBody) replaces
 * this page with a blob: URL, which Thunderbird opens in its PDF viewer; a structured CDA is shown
 * as the reader's script-free HTML in a sandboxed frame. In memory only: nothing is written to a
 * file, and the blob goes with the tab.
 */
import type { DocumentReply } from "../../background/reading/reading-service.ts";
import { send } from "../common/background-api.ts";
import { byId, localizeDocument, t } from "../common/i18n.ts";

async function main(): Promise<void> {
  localizeDocument();
  const q = new URLSearchParams(location.search);
  const reply = await send<DocumentReply>({
    kind: "reading.document",
    messageId: Number(q.get("message")),
    source: q.get("source"),
    ref: q.get("ref") ?? "",
  });
  if (!reply || "error" in reply) {
    const e = byId("error");
    e.hidden = false;
    e.textContent = `${t("readingDocumentFailed")} (${reply?.error ?? "?"})`;
    return;
  }
  if (reply.kind === "pdf") {
    location.replace(URL.createObjectURL(new Blob([reply.bytes as BlobPart], { type: "application/pdf" })));
    return;
  }
  const frame = byId<HTMLIFrameElement>("cda");
  frame.srcdoc = reply.html;
  frame.hidden = false;
}

void main();

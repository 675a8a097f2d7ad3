/** Reports arriving in the inbox, against a fake mailbox: state kept per recipient, the Sent copy tagged, the panel's answer. */
import { describe, expect, it } from "vitest";
import { postfixDsn, thunderbirdMdn } from "../../test-support/delivery-reports.ts";
import { createFakeMailbox } from "../../test-support/fake-mailbox.ts";
import { RECEIPTS_KEY, type ReceiptEvent, ReceiptsService } from "./receipts-service.ts";

const ME = "jean.dupont@medecin.mssante.fr";
const TO = "paul.martin@hopital.mssante.fr";
const SENT = { accountId: "account1", path: "/Sent", specialUse: ["sent"] };
const INBOX = { accountId: "account1", path: "/INBOX", specialUse: ["inbox"] };

function setup() {
  const { m, fake, box } = createFakeMailbox();
  const events: ReceiptEvent[] = [];
  const service = new ReceiptsService(m, (e) => events.push(e));
  service.start();
  const id = `${Date.now()}.x@medecin.mssante.fr`;
  box.messages.set(1, { header: { id: 1, author: ME, subject: "CR", headerMessageId: id, folder: SENT, tags: ["$label1"] }, raw: "" });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { m, fake, box, service, events, id, settle };
}

describe("ReceiptsService", () => {
  it("a Postfix DSN in the inbox: recipient delivered, Sent copy tagged « MSSanté : distribué », no subject stored", async () => {
    const { fake, box, events, id, settle } = setup();
    box.deliver(
      { id: 2, author: "MAILER-DAEMON@mx", subject: "Successful Mail Delivery Report", headerMessageId: "r1@mx", folder: INBOX },
      postfixDsn({
        sender: ME,
        messageId: id,
        recipients: [{ address: TO, action: "delivered", status: "2.0.0", diagnostic: "250 2.0.0 Saved" }],
      }),
    );
    await settle();
    expect(box.messages.get(1)!.header.tags).toEqual(["$label1", "mss_delivered"]);
    expect(box.tags.get("mss_delivered")).toEqual({ tag: "MSSanté : distribué", color: "#2E7D32" });
    expect(box.tags.get("mss_read")?.tag).toBe("MSSanté : lu");
    expect(box.tags.get("mss_failed")?.tag).toBe("MSSanté : échec");
    const stored = fake.storage.get(RECEIPTS_KEY) as Record<string, { recipients: Record<string, { state: string }> }>;
    expect(stored[id]!.recipients[TO]!.state).toBe("delivered");
    expect(JSON.stringify(stored)).not.toContain("Compte rendu");
    expect(events.map((e) => [e.messageId, e.accountId])).toEqual([[id, "account1"]]);
  });

  it("then a read receipt, displayed: « lu »; the panel's answer for the displayed Sent copy", async () => {
    const { box, service, id, settle } = setup();
    box.deliver(
      { id: 2, author: "MAILER-DAEMON@mx", subject: "x", headerMessageId: "r1@mx", folder: INBOX },
      postfixDsn({ sender: ME, messageId: id, recipients: [{ address: TO, action: "relayed", status: "2.0.0", diagnostic: "250 Ok" }] }),
    );
    await settle();
    // An MDN the user opens (no new-mail event for it, e.g. it came while Thunderbird was closed).
    box.messages.set(3, {
      header: { id: 3, author: TO, subject: "Accusé", headerMessageId: "r2@x", folder: INBOX },
      raw: thunderbirdMdn({ from: TO, to: ME, messageId: id, disposition: "displayed" }),
    });
    for (const { fn } of box.events.onMessageDisplayed.entries) fn({ id: 7 }, box.messages.get(3)!.header);
    await settle();
    expect(box.messages.get(1)!.header.tags).toEqual(["$label1", "mss_read"]);
    box.displayed.set(9, 1);
    expect(await service.ofTab(9)).toMatchObject({
      messageId: id,
      receipts: { recipients: { [TO]: { state: "read", detail: "displayed" } } },
    });
  });

  it("a failure: « échec »; ordinary mail is not read as a report; a report for an unknown message is kept untagged", async () => {
    const { fake, box, id, settle, events } = setup();
    box.deliver(
      { id: 4, author: TO, subject: "Bonjour", headerMessageId: "n@x", folder: INBOX },
      "Content-Type: text/plain\r\n\r\nBonjour",
    );
    box.deliver(
      { id: 5, author: "MAILER-DAEMON@mx", subject: "x", headerMessageId: "r3@mx", folder: INBOX },
      postfixDsn({
        sender: ME,
        messageId: id,
        recipients: [{ address: TO, action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" }],
      }),
    );
    box.deliver(
      { id: 6, author: "MAILER-DAEMON@mx", subject: "x", headerMessageId: "r4@mx", folder: INBOX },
      postfixDsn({
        sender: ME,
        messageId: "other@x",
        recipients: [{ address: TO, action: "delivered", status: "2.0.0", diagnostic: "250" }],
      }),
    );
    await settle();
    expect(box.messages.get(1)!.header.tags).toEqual(["$label1", "mss_failed"]);
    expect(Object.keys(fake.storage.get(RECEIPTS_KEY) as object).sort()).toEqual([id, "other@x"].sort());
    expect(events.find((e) => e.messageId === "other@x")?.accountId).toBeNull();
    expect(events).toHaveLength(2);
  });
});

/**
 * Delivery reports shaped as real servers write them, for tests: Postfix's own DSN (bounce(8)
 * templates and its message/delivery-status fields) and Thunderbird's MDN. Dates are made at run time.
 */

function rfc2822(d: Date): string {
  return d.toUTCString().replace("GMT", "+0000 (UTC)");
}

export interface PostfixDsnOptions {
  host?: string;
  sender: string;
  /** The original Message-ID, without angle brackets. */
  messageId: string;
  recipients: { address: string; action: "delivered" | "relayed" | "failed" | "delayed"; status: string; diagnostic: string }[];
  envelopeId?: string;
  date?: Date;
  /** Content-Transfer-Encoding of the delivery-status part (Postfix writes 7bit/8bit; some relays re-encode). */
  encodeStatusAs?: "base64";
}

/** A Postfix DSN (success: "Successful Mail Delivery Report"; failure: "Undelivered Mail Returned to Sender"). */
export function postfixDsn(o: PostfixDsnOptions): string {
  const host = o.host ?? "mx.operateur.mssante.fr";
  const date = o.date ?? new Date();
  const queueId = "4F2A31C0B7";
  const boundary = `${queueId}.${Math.floor(date.getTime() / 1000)}/${host}`;
  const failed = o.recipients.some((r) => r.action === "failed");
  const perRecipient = o.recipients
    .map(
      (r) =>
        `Final-Recipient: rfc822; ${r.address}\nOriginal-Recipient: rfc822;${r.address}\nAction: ${r.action}\nStatus: ${r.status}\nRemote-MTA: dns; 127.0.0.1\nDiagnostic-Code: smtp; ${r.diagnostic}`,
    )
    .join("\n\n");
  let status = `Reporting-MTA: dns; ${host}\nX-Postfix-Queue-ID: ${queueId}\nX-Postfix-Sender: rfc822; ${o.sender}\n${
    o.envelopeId ? `Original-Envelope-Id: ${o.envelopeId}\n` : ""
  }Arrival-Date: ${rfc2822(date)}\n\n${perRecipient}\n`;
  let statusHeaders = "Content-Description: Delivery report\nContent-Type: message/delivery-status";
  if (o.encodeStatusAs === "base64") {
    status = Buffer.from(status).toString("base64").replace(/.{76}/g, "$&\n");
    statusHeaders += "\nContent-Transfer-Encoding: base64";
  }
  return `Return-Path: <>
Received: by ${host} (Postfix)
\tid ${queueId}; ${rfc2822(date)}
Date: ${rfc2822(date)}
From: MAILER-DAEMON@${host} (Mail Delivery System)
Subject: ${failed ? "Undelivered Mail Returned to Sender" : "Successful Mail Delivery Report"}
To: ${o.sender}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="${boundary}"
Content-Transfer-Encoding: 8bit
Message-Id: <${date.getTime()}.${queueId}@${host}>

This is a MIME-encapsulated message.

--${boundary}
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host ${host}.

Your message was successfully delivered to the destination(s)
listed below.

                   The mail system

${o.recipients.map((r) => `<${r.address}>: ${r.diagnostic}`).join("\n")}

--${boundary}
${statusHeaders}

${status}
--${boundary}
Content-Description: Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

Return-Path: <${o.sender}>
Date: ${rfc2822(date)}
From: Dr Jean Dupont <${o.sender}>
To: ${o.recipients.map((r) => r.address).join(", ")}
Subject: Compte rendu de consultation
Message-ID: <${o.messageId}>

--${boundary}--
`.replace(/\n/g, "\r\n");
}

/** A read receipt as Thunderbird sends it (RFC 8098). */
export function thunderbirdMdn(o: { from: string; to: string; messageId: string; disposition: string; date?: Date }): string {
  const date = o.date ?? new Date();
  const b = `------------mdn${date.getTime()}`;
  return `Date: ${rfc2822(date)}
From: ${o.from}
To: ${o.to}
Message-ID: <mdn.${date.getTime()}@example.org>
Subject: =?UTF-8?Q?Accus=C3=A9_de_lecture?=
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
 boundary="${b}"

This is a multi-part message in MIME format.
--${b}
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Ceci est un accusé de lecture.

--${b}
Content-Type: message/disposition-notification; name="MDNPart2.txt"
Content-Disposition: inline
Content-Transfer-Encoding: 7bit

Reporting-UA: mua.example; Mozilla Thunderbird
Final-Recipient: rfc822;${o.from}
Original-Message-ID: <${o.messageId}>
Disposition: manual-action/MDN-sent-manually; ${o.disposition}

--${b}
Content-Type: text/rfc822-headers; name="MDNPart3.txt"
Content-Transfer-Encoding: 7bit
Content-Disposition: inline

Date: ${rfc2822(date)}
From: ${o.to}
Message-ID: <${o.messageId}>
Subject: Compte rendu

--${b}--
`;
}

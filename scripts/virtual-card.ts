/**
 * Inserts a virtual CPS card into the vpcd virtual reader of a running pcscd (demos and manual
 * tests of the real card path: pcscd + vsmartcard-vpcd, see scripts/setup).
 *
 *   node --import tsx scripts/virtual-card.ts [--atr cps3|cps3-contactless|cps4|cps4-t0|unknown|<hex>]
 *                                            [--port 35963] [--for SECONDS]
 *
 * The card stays in while this runs. Interactive: Enter pulls / re-inserts it, q quits (pulling it).
 * With --for, it stays in that long and then leaves. The card never answers a command with more
 * than "instruction not supported": it only carries an ATR, like the cards pcscd sees before any
 * middleware talks to them.
 */
import { createInterface } from "node:readline";
import { ATR, VPCD_DEFAULT_PORT, VirtualCard, vpcdReaderName } from "../test/harness/virtual-card.ts";

const NAMED: Record<string, string> = {
  cps3: ATR.CPS3_CONTACT,
  "cps3-contactless": ATR.CPS3_CONTACTLESS,
  cps4: ATR.CPS4,
  "cps4-t0": ATR.CPS4_T0,
  unknown: ATR.UNKNOWN,
};

function usage(msg?: string): never {
  if (msg) console.error(msg);
  console.error("usage: virtual-card.ts [--atr cps3|cps3-contactless|cps4|cps4-t0|unknown|<hex>] [--port 35963] [--for SECONDS]");
  process.exit(2);
}

const args = process.argv.slice(2);
let atr: string = ATR.CPS3_CONTACT;
let port = VPCD_DEFAULT_PORT;
let forSeconds: number | null = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const v = args[i + 1];
  if (a === "--atr" && v) {
    atr = NAMED[v.toLowerCase()] ?? v;
    i++;
  } else if (a === "--port" && v) {
    port = Number(v);
    i++;
  } else if (a === "--for" && v) {
    forSeconds = Number(v);
    i++;
  } else if (a === "-h" || a === "--help") usage();
  else usage(`unknown argument ${a}`);
}
if (!Number.isInteger(port) || port < 1 || port > 65535) usage("--port: a TCP port");
if (!/^([0-9a-fA-F]{2}\s*){2,33}$/.test(atr)) usage("--atr: a card name or an ATR in hex");
if (forSeconds !== null && !(forSeconds > 0)) usage("--for: a number of seconds");

const reader = port >= VPCD_DEFAULT_PORT && port <= VPCD_DEFAULT_PORT + 9 ? vpcdReaderName(port) : `vpcd reader on port ${port}`;
const card = new VirtualCard({ port, stayInserted: true });

try {
  await card.insert(atr);
} catch (e) {
  console.error(`${(e as Error).message}\nStart pcscd as root (mkdir -p /run/pcscd; pcscd -f &) with vsmartcard-vpcd installed.`);
  process.exit(4);
}
console.log(`Virtual card inserted in "${reader}" (ATR ${atr.replace(/\s/g, "").toUpperCase()}).`);

const quit = async () => {
  await card.remove();
  console.log("Virtual card removed.");
  process.exit(0);
};
process.on("SIGINT", quit);
process.on("SIGTERM", quit);

if (forSeconds !== null) {
  setTimeout(quit, forSeconds * 1000);
} else if (process.stdin.isTTY) {
  console.log("Enter: pull / re-insert the card; q: quit.");
  const rl = createInterface({ input: process.stdin });
  rl.on("line", async (line) => {
    if (line.trim().toLowerCase() === "q") return quit();
    if (card.inserted) {
      await card.remove();
      console.log("Card pulled.");
    } else {
      await card.insert(atr);
      console.log("Card inserted.");
    }
  });
} else {
  console.log("Ctrl-C to remove the card.");
}

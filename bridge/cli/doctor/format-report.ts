/** `mss-bridge doctor`'s text: each check in French, then English, with what to do. Pure. */
import { type Check, canWork, type Verdict } from "./doctor-checks.ts";

export const VERDICT_LABEL: Record<Verdict, string> = { ok: "OK", warn: "ATTENTION", fail: "ÉCHEC" };

const WIDTH = 11; // "ATTENTION" and a space or two

export function formatReport(checks: Check[]): string[] {
  const pad = " ".repeat(WIDTH);
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${VERDICT_LABEL[c.verdict].padEnd(WIDTH)}${c.fr}`);
    lines.push(`${pad}${c.en}`);
    if (c.fixFr) lines.push(`${pad}→ À faire : ${c.fixFr}`);
    if (c.fixEn) lines.push(`${pad}→ To do: ${c.fixEn}`);
  }
  const n = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  const counts = `${n("ok")} OK, ${n("warn")} ATTENTION, ${n("fail")} ÉCHEC`;
  lines.push("");
  lines.push(
    canWork(checks) ? `Bilan : ${counts} — ce PC peut fonctionner.` : `Bilan : ${counts} — ce PC ne peut pas fonctionner en l'état.`,
  );
  lines.push(canWork(checks) ? `Summary: ${counts} — this PC can work.` : `Summary: ${counts} — this PC cannot work as it is.`);
  return lines;
}

/**
 * The extension's options page (manifest options_ui): the trace of mailbox actions, what it
 * records, its retention period, and its export as CSV (a Blob link: no downloads permission).
 * `#export-link` keeps the last export's blob: URL and row count (data-count) for a test driver.
 */
import { send } from "../common/background-api.ts";
import { byId, localizeDocument, t } from "../common/i18n.ts";

async function refresh(): Promise<void> {
  const s = await send<{ retentionDays: number; count: number }>({ kind: "traces.settings" });
  (byId("retention") as HTMLInputElement).value = String(s.retentionDays);
  byId("trace-count").textContent = t("optionsCount", String(s.count));
  byId("trace").dataset.count = String(s.count);
}

async function saveRetention(): Promise<void> {
  const days = Number((byId("retention") as HTMLInputElement).value);
  const r = await send<{ ok: boolean }>({ kind: "traces.retention", retentionDays: days });
  const out = byId("retention-result");
  out.textContent = r.ok ? t("optionsSaved") : t("optionsInvalid");
  out.dataset.ok = String(r.ok);
  await refresh();
}

async function exportCsv(): Promise<void> {
  const { csv, count } = await send<{ csv: string; count: number }>({ kind: "traces.csv" });
  // A byte-order mark, so that spreadsheet programs read the accents as UTF-8.
  const blob = new Blob(["\uFEFF", csv], { type: "text/csv;charset=utf-8" });
  const a = byId("export-link") as HTMLAnchorElement;
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(blob);
  a.download = `journal-mssante-${new Date().toISOString().slice(0, 10)}.csv`;
  a.dataset.count = String(count);
  a.click();
}

function main(): void {
  localizeDocument();
  byId("retention-save").addEventListener("click", () => void saveRetention());
  byId("export").addEventListener("click", () => void exportCsv());
  void refresh();
}

main();

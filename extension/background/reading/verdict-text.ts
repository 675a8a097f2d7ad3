/**
 * The sender verdict in words (pure; the banner, the toolbar button and the panel use it). French
 * first through _locales; `tr` is i18n.getMessage. Never includes an INS.
 */
import type { SenderVerdict } from "./sender-verdict.ts";

export type VerdictLevel = "ok" | "info" | "warn" | "danger";

export interface VerdictText {
  level: VerdictLevel;
  headline: string;
  /** Profession, specialty, organisation, city; the name warning. */
  lines: string[];
}

type Tr = (name: string, subs?: string | string[]) => string;

/** A date as the GP reads it (day month year), or the "unknown date" text. */
export function shortDate(iso: string | null, tr: Tr, lang: string): string {
  if (!iso) return tr("readingDateUnknown");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return tr("readingDateUnknown");
  return new Intl.DateTimeFormat(lang.startsWith("fr") ? "fr-FR" : lang, { dateStyle: "long", timeZone: "UTC" }).format(d);
}

function joined(parts: (string | null | undefined)[]): string {
  return parts.filter((p): p is string => !!p?.trim()).join(" · ");
}

function headlineOf(v: SenderVerdict, tr: Tr, date: string): { level: VerdictLevel; headline: string } {
  const who = v.entry?.displayName ?? v.address ?? "";
  switch (v.kind) {
    case "professional":
      return v.proven
        ? { level: v.nameMismatch ? "warn" : "ok", headline: tr("readingProfessional", [who, date]) }
        : { level: "warn", headline: tr("readingProfessionalClaims", [who, date]) };
    case "not-in-directory":
      return { level: "warn", headline: tr(v.proven ? "readingNotInDirectory" : "readingNotInDirectoryClaims", [v.address ?? "", date]) };
    case "outside-trust-space":
      return { level: "danger", headline: tr("readingOutside", v.address ?? "") };
    case "patient": {
      const p = v.patient;
      const name = p && (p.family || p.given) ? joined([p.given, p.family]).replace(" · ", " ") : (v.address ?? "");
      return {
        level: v.proven && !v.nameMismatch ? "info" : "warn",
        headline: tr(v.proven ? "readingPatient" : "readingPatientClaims", name),
      };
    }
    case "own":
      return { level: "ok", headline: tr("readingOwnCopy", v.address ?? "") };
    case "directory-unavailable":
      return { level: "warn", headline: tr("readingDirectoryUnavailable", v.address ?? "") };
    case "unknown":
      return { level: "warn", headline: tr("readingUnknown", v.address ?? "") };
    default:
      return { level: "danger", headline: tr("readingNoAddress") };
  }
}

export function verdictText(v: SenderVerdict, tr: Tr, lang: string): VerdictText {
  const date = shortDate(v.extractionDate, tr, lang);
  const { level, headline } = headlineOf(v, tr, date);
  const lines: string[] = [];
  if (v.entry) {
    const e = v.entry;
    const line = joined([e.profession, e.specialty, e.organisation, e.city]);
    if (line) lines.push(line);
  }
  if (v.nameMismatch && v.displayName) {
    if (v.kind === "patient") {
      const p = v.patient;
      lines.push(tr("readingPatientNameMismatch", [v.displayName, joined([p?.given, p?.family]).replace(" · ", " ")]));
    } else lines.push(tr("readingNameMismatch", [v.displayName, v.entry?.displayName ?? ""]));
  }
  return { level, headline, lines };
}

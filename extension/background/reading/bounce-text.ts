/**
 * What the GP reads about a bounce from Mon espace santé (pure): per patient, the case in words
 * (French first, English second, from _locales), with the report's status code and the server's
 * own text beside it.
 */
import type { MesBounceRecipient } from "../../../shared/domain/mes-bounce.ts";

export interface MesBounceView {
  recipients: (MesBounceRecipient & { text: string })[];
  /** The recognition follows RFC 3464 status codes, not recorded Mon espace santé messages. */
  note: string;
}

export function mesBounceView(
  recipients: readonly MesBounceRecipient[],
  msg: (name: string, subs?: string | string[]) => string,
): MesBounceView {
  return {
    recipients: recipients.map((r) => ({ ...r, text: msg(`readingBounce_${r.kind.replace(/-/g, "_")}`, [r.status ?? "?"]) })),
    note: msg("readingBounceNote"),
  };
}

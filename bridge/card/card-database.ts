/**
 * Loads the bundled card database (cards.json) and an optional override file (config
 * `cardDatabaseFile`, same format): both validated against the schema, then merged. Entries from
 * the override come first and replace bundled entries with the same id, so a site can add a new
 * card, fix an ATR or point a model at another module without a new release.
 */
import { readFileSync } from "node:fs";
import { Value } from "@sinclair/typebox/value";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { packageText } from "../platform/package-root.ts";
import { CardDatabaseSchema, type CardDatabase, type CardDatabaseFile, type CardEntry, type ModuleEntry } from "./card-database-schema.ts";
import { normalizeAtr } from "./match-atr.ts";

/** The card database shipped with the bridge (an asset inside the single executable). */
const BUNDLED_DATABASE = "bridge/card/cards.json";

/** Checks a parsed file against the schema and its cross-field rules; returns the problems (empty: valid). */
export function cardDatabaseProblems(data: unknown): string[] {
  const problems: string[] = [];
  for (const e of Value.Errors(CardDatabaseSchema, data)) {
    problems.push(`${e.path || "/"}: ${e.message}`);
    if (problems.length >= 10) break;
  }
  if (problems.length) return problems;
  const file = data as CardDatabaseFile;
  for (const [i, card] of (file.cards ?? []).entries()) {
    for (const [j, p] of card.atrs.entries()) {
      const atr = normalizeAtr(p.atr);
      const mask = p.mask === undefined ? atr : normalizeAtr(p.mask);
      if (!atr || atr.length > 66) problems.push(`/cards/${i}/atrs/${j}/atr: an ATR has 2 to 33 bytes`);
      else if (!mask || mask.length !== atr.length)
        problems.push(`/cards/${i}/atrs/${j}/mask: the mask must have as many bytes as the ATR`);
    }
  }
  return problems;
}

/** Merges `over` on top of `base`: its entries first, replacing same-id entries. */
export function mergeCardDatabases(base: CardDatabase, over: CardDatabaseFile): CardDatabase {
  const byId = <T extends { id: string }>(first: T[], second: T[]): T[] => {
    const ids = new Set(first.map((x) => x.id));
    return [...first, ...second.filter((x) => !ids.has(x.id))];
  };
  return {
    cards: byId<CardEntry>(over.cards ?? [], base.cards),
    modules: byId<ModuleEntry>(over.modules ?? [], base.modules),
  };
}

/** Every module a card refers to must exist. */
export function danglingModuleRefs(db: CardDatabase): string[] {
  const ids = new Set(db.modules.map((m) => m.id));
  return db.cards.flatMap((c) => c.modules.filter((m) => !ids.has(m)).map((m) => `card ${c.id}: unknown module "${m}"`));
}

export function parseCardDatabase(text: string, source: string): CardDatabaseFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw invalid(source, [`not valid JSON (${(e as Error).message})`]);
  }
  const problems = cardDatabaseProblems(data);
  if (problems.length) throw invalid(source, problems);
  return data as CardDatabaseFile;
}

/**
 * The bundled database, merged with `extraFile` when given. Throws a BridgeError that names the
 * file and the problems when a file is unreadable or invalid.
 */
export function loadCardDatabase(extraFile?: string | null): CardDatabase {
  const bundled = parseCardDatabase(packageText(BUNDLED_DATABASE), "bundled cards.json");
  let db: CardDatabase = { cards: bundled.cards ?? [], modules: bundled.modules ?? [] };
  if (extraFile) {
    let text: string;
    try {
      text = readFileSync(extraFile, "utf8");
    } catch (e) {
      throw new BridgeError(
        ErrorCode.INTERNAL_ERROR,
        `Cannot read the card database file ${extraFile} (config cardDatabaseFile): ${(e as Error).message}. Fix the path or remove the setting.`,
      );
    }
    db = mergeCardDatabases(db, parseCardDatabase(text, extraFile));
  }
  const dangling = danglingModuleRefs(db);
  if (dangling.length) throw invalid(extraFile ?? "bundled cards.json", dangling);
  return db;
}

function invalid(source: string, problems: string[]): BridgeError {
  return new BridgeError(
    ErrorCode.INTERNAL_ERROR,
    `The card database ${source} is invalid: ${problems.join("; ")}. See bridge/card/README.md for the format.`,
  );
}

/**
 * The card database's shape, defined once with TypeBox: it is the TypeScript type, the runtime
 * validator, and the JSON Schema published beside the data (cards.schema.json is generated from
 * it by `npx tsx bridge/card/card-database-schema.ts`; a unit test keeps the two identical).
 * No I/O here except when run as a script.
 */
import { writeFileSync } from "node:fs";
import { Type, type Static } from "@sinclair/typebox";
import { isMainModule } from "../platform/is-main-module.ts";

const Hex = (description: string) => Type.String({ pattern: "^\\s*([0-9A-Fa-f]{2}[\\s:]*)+$", description });

export const AtrPatternSchema = Type.Object(
  {
    atr: Hex("ATR bytes in hex; spaces or colons between bytes are allowed"),
    mask: Type.Optional(Hex("Bit mask of the same length as atr: only bits set in the mask are compared (absent: exact match)")),
    comment: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const CardEntrySchema = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9][a-z0-9-]*$", description: "Stable identifier, e.g. cps3-contact" }),
    name: Type.String({ minLength: 1, description: "Name shown to people" }),
    family: Type.Union([Type.Literal("CPS3"), Type.Literal("CPS4")]),
    interface: Type.Union([Type.Literal("contact"), Type.Literal("contactless")]),
    rsaPss: Type.Boolean({ description: "The card signs with RSA-PSS (needed for TLS 1.3 client authentication)" }),
    atrs: Type.Array(AtrPatternSchema, { minItems: 1 }),
    modules: Type.Array(Type.String(), {
      description: "Ids of the PKCS#11 modules that drive this card, in order of preference",
    }),
    comment: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ModuleEntrySchema = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9][a-z0-9-]*$" }),
    name: Type.String({ minLength: 1 }),
    install: Type.String({ description: "What to install when the module is missing (shown to people)" }),
    paths: Type.Record(
      Type.String({ pattern: "^(linux|darwin|win32|freebsd|openbsd)(-(x64|ia32|arm64|arm))?$" }),
      Type.Array(Type.String({ minLength: 1 })),
      {
        description:
          "Library paths per platform ('linux', 'darwin', 'win32') or platform-arch ('win32-x64'), most specific first; %VAR% and a leading ~/ are expanded",
      },
    ),
  },
  { additionalProperties: false },
);

export const CardDatabaseSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Literal(1),
    cards: Type.Optional(Type.Array(CardEntrySchema)),
    modules: Type.Optional(Type.Array(ModuleEntrySchema)),
  },
  { additionalProperties: false },
);

export type AtrPattern = Static<typeof AtrPatternSchema>;
export type CardEntry = Static<typeof CardEntrySchema>;
export type ModuleEntry = Static<typeof ModuleEntrySchema>;
export type CardDatabaseFile = Static<typeof CardDatabaseSchema>;

/** A loaded, validated, merged database. */
export interface CardDatabase {
  cards: CardEntry[];
  modules: ModuleEntry[];
}

/** The JSON Schema document written to cards.schema.json. */
export function cardDatabaseJsonSchema(): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://mssante-thunderbird.invalid/bridge/card/cards.schema.json",
    title: "MSSanté bridge card database: ATR → card model → PKCS#11 module",
    ...(JSON.parse(JSON.stringify(CardDatabaseSchema)) as Record<string, unknown>),
  };
}

if (isMainModule(import.meta.url)) {
  const out = new URL("./cards.schema.json", import.meta.url);
  writeFileSync(out, `${JSON.stringify(cardDatabaseJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../shared/protocol/errors.ts";
import { cardDatabaseJsonSchema } from "./card-database-schema.ts";
import { cardDatabaseProblems, loadCardDatabase } from "./card-database.ts";
import { matchAtr } from "./match-atr.ts";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "cards-"));

describe("card database", () => {
  it("the bundled cards.json is valid and has the four CPS models", () => {
    const db = loadCardDatabase();
    expect(db.cards.map((c) => c.id)).toEqual(["cps3-contact", "cps3-contactless", "cps4", "cps4-t0"]);
    expect(db.modules.map((m) => m.id)).toEqual(["cryptolib-cps", "opensc"]);
  });

  it("cards.schema.json is the schema generated from the TypeBox definition", () => {
    const onDisk = JSON.parse(readFileSync(new URL("./cards.schema.json", import.meta.url), "utf8"));
    expect(onDisk).toEqual(cardDatabaseJsonSchema());
  });

  it("reports schema violations with their path", () => {
    expect(cardDatabaseProblems({ version: 1, cards: [{ id: "X Y" }] }).join("\n")).toMatch(/\/cards\/0/);
    expect(cardDatabaseProblems({ version: 2 })).not.toEqual([]);
    expect(cardDatabaseProblems({ version: 1, extra: true })).not.toEqual([]);
  });

  it("rejects a mask whose length differs from the ATR's", () => {
    const problems = cardDatabaseProblems({
      version: 1,
      cards: [
        { id: "x", name: "X", family: "CPS3", interface: "contact", rsaPss: false, modules: [], atrs: [{ atr: "3B00", mask: "FF" }] },
      ],
    });
    expect(problems).toEqual(["/cards/0/atrs/0/mask: the mask must have as many bytes as the ATR"]);
  });

  it("merges an override file: its entries first, same id replaced, new modules added", () => {
    const dir = tmp();
    const file = path.join(dir, "extra.json");
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        cards: [
          {
            id: "cps4",
            name: "CPS4 (site build)",
            family: "CPS4",
            interface: "contact",
            rsaPss: true,
            atrs: [{ atr: "3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44" }],
            modules: ["site-lib"],
          },
          {
            id: "cps5-test",
            name: "Future card",
            family: "CPS4",
            interface: "contact",
            rsaPss: true,
            atrs: [{ atr: "3B0102" }],
            modules: ["cryptolib-cps"],
          },
        ],
        modules: [{ id: "site-lib", name: "Site library", install: "Ask IT.", paths: { linux: ["/opt/site/lib.so"] } }],
      }),
    );
    const db = loadCardDatabase(file);
    expect(db.cards.map((c) => c.id)).toEqual(["cps4", "cps5-test", "cps3-contact", "cps3-contactless", "cps4-t0"]);
    expect(db.cards[0]?.name).toBe("CPS4 (site build)");
    expect(db.modules.map((m) => m.id)).toEqual(["site-lib", "cryptolib-cps", "opensc"]);
    expect(matchAtr("3B0102", db)?.id).toBe("cps5-test");
  });

  it("names the file and the problem when the override is invalid, unreadable or refers to an unknown module", () => {
    const dir = tmp();
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadCardDatabase(bad)).toThrow(BridgeError);
    expect(() => loadCardDatabase(bad)).toThrow(/bad\.json.*not valid JSON/);
    expect(() => loadCardDatabase(path.join(dir, "missing.json"))).toThrow(/Cannot read the card database file/);
    const dangling = path.join(dir, "dangling.json");
    writeFileSync(
      dangling,
      JSON.stringify({
        version: 1,
        cards: [{ id: "x", name: "X", family: "CPS3", interface: "contact", rsaPss: false, atrs: [{ atr: "3B00" }], modules: ["nope"] }],
      }),
    );
    expect(() => loadCardDatabase(dangling)).toThrow(/unknown module "nope"/);
  });
});

describe("README example", () => {
  it("the 'Adding a card' example is a valid override file", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const block = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const data = JSON.parse(block!);
    expect(cardDatabaseProblems(data)).toEqual([]);
    const dir = tmp();
    const file = path.join(dir, "site.json");
    writeFileSync(file, block!);
    expect(matchAtr("3B 9B 18 80 01 00 12 25 00 64 80 05 01 00 00 90 44", loadCardDatabase(file))?.id).toBe("cps4-2027");
  });
});

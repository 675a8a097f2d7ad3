import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { MAX_LIST_CLOCK_SKEW_MS, WhitelistStore } from "./whitelist-store.ts";

// An injected clock: nothing here depends on today's date.
const NOW = new Date("2031-05-04T12:00:00.000Z");
const HOUR = 3600_000;
const xmlDated = (date: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema" date="${date}">` +
  "<Domaine><Nom>medecin.mssante.fr</Nom></Domaine></ListeBlanche>\n";

function setup(date: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wl-store-"));
  const source = path.join(dir, "list.xml");
  writeFileSync(source, xmlDated(date));
  const store = new WhitelistStore({ source, cacheDir: path.join(dir, "trust"), now: () => NOW });
  return { dir, source, store };
}

describe("trust lists dated in the future (bridge)", () => {
  it("allows a day of clock skew", () => {
    expect(MAX_LIST_CLOCK_SKEW_MS).toBe(24 * HOUR);
  });

  it("refuses a source list dated beyond the skew, and does not cache it", async () => {
    const { store } = setup(new Date(NOW.getTime() + 48 * HOUR).toISOString());
    await expect(store.fetchSource()).rejects.toMatchObject({ code: ErrorCode.TRUST_LIST_UNAVAILABLE, message: /future/ });
    expect(store.readCache()).toBeNull();
  });

  it("accepts a list dated within the skew", async () => {
    const { store } = setup(new Date(NOW.getTime() + 2 * HOUR).toISOString());
    expect((await store.fetchSource()).list.domains).toEqual(["medecin.mssante.fr"]);
  });

  it("does not load a cached copy dated in the future (written before the check)", () => {
    const { dir, store } = setup(new Date(NOW.getTime() - HOUR).toISOString());
    mkdirSync(path.join(dir, "trust"), { recursive: true });
    writeFileSync(path.join(dir, "trust", "whitelist.xml"), xmlDated("2099-01-01T00:00:00Z"));
    writeFileSync(
      path.join(dir, "trust", "whitelist.json"),
      JSON.stringify({ source: "x", fetchedAt: NOW.toISOString(), sha256: "0".repeat(64) }),
    );
    expect(store.readCache()).toBeNull();
  });
});

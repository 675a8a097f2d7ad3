import { describe, expect, it } from "vitest";
import { formatDate } from "./i18n.ts";

describe("formatDate", () => {
  it("writes a date the way the user reads it, in their language, not as ISO", () => {
    const iso = "2026-11-23T15:32:08.000Z";
    const fr = formatDate(iso, "?", "fr");
    expect(fr).toMatch(/^2[234] novembre 2026 (à )?\d{2}:\d{2}$/); // local time: the day depends on the time zone
    expect(fr).not.toContain("T15");
    expect(formatDate(iso, "?", "en-US")).toMatch(/^November 2[234], 2026( at|,) \d{1,2}:\d{2}\s?[AP]M$/);
  });
  it("falls back when there is no date or it is not one", () => {
    expect(formatDate(null, "?", "fr")).toBe("?");
    expect(formatDate("not a date", "?", "fr")).toBe("?");
  });
});

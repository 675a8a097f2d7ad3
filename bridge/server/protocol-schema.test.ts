import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { protocolSchemaJson } from "../../scripts/dump-schemas.ts";
import { Methods, Notifications } from "../../shared/protocol/schemas.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";

describe("published protocol documents", () => {
  it("docs/protocol.schema.json is generated from the current schemas", () => {
    const onDisk = readFileSync(new URL("../../docs/protocol.schema.json", import.meta.url), "utf8");
    expect(onDisk).toBe(protocolSchemaJson());
  });
  it("docs/protocol.md names every method, notification and error code", () => {
    const md = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
    for (const m of Object.keys(Methods)) expect(md, m).toContain(`\`${m}\``);
    for (const n of Object.keys(Notifications)) expect(md, n).toContain(`\`${n}\``);
    for (const [name, code] of Object.entries(ErrorCode)) {
      expect(md, name).toContain(name);
      expect(md, name).toContain(String(code));
    }
  });
});

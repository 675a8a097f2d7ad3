/** Every UI string exists in French (default) and English, including the ones built from codes. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { messageName } from "./pages/common/i18n.ts";

const dir = path.dirname(fileURLToPath(import.meta.url));
const fr = JSON.parse(readFileSync(path.join(dir, "_locales/fr/messages.json"), "utf8")) as Record<string, { message: string }>;
const en = JSON.parse(readFileSync(path.join(dir, "_locales/en/messages.json"), "utf8")) as Record<string, { message: string }>;

function sources(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const f = path.join(d, n);
    if (statSync(f).isDirectory()) return n === "test-support" ? [] : sources(f);
    return /\.(ts|html)$/.test(n) && !n.endsWith(".test.ts") ? [f] : [];
  });
}

/** The string literals of a TypeScript union type declared as `type Name = | "a" | "b" …;`. */
function unionOf(file: string, name: string): string[] {
  const src = readFileSync(path.join(dir, file), "utf8");
  const m = new RegExp(`type ${name} =([^;]+);`).exec(src);
  if (!m) throw new Error(`${name} not found in ${file}`);
  return [...m[1]!.matchAll(/"([a-z-]+)"/g)].map((x) => x[1]!);
}

describe("locales", () => {
  it("French and English have the same, valid message names and no empty message", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const [k, v] of Object.entries(fr)) {
      expect(k).toMatch(/^[A-Za-z0-9_@]+$/);
      expect(v.message.trim()).not.toBe("");
      expect(en[k]!.message.trim()).not.toBe("");
    }
  });

  it("has every literal key the code and pages use", () => {
    const used = new Set<string>();
    for (const f of sources(dir)) {
      const s = readFileSync(f, "utf8");
      for (const re of [
        /\bt\("([\w-]+)"/g,
        /getMessage\("(\w+)"/g,
        /titleKey: "(\w+)"/g,
        /data-i18n(?:-placeholder|-title)?="(\w+)"/g,
        /\b(status\w+|hint\w+)"/g,
      ]) {
        for (const m of s.matchAll(re)) used.add(m[1]!);
      }
    }
    const missing = [...used].map(messageName).filter((k) => !fr[k] && k !== "key");
    expect(missing).toEqual([]);
  });

  it("has a title and a 'what to do' for every setup failure, and texts for every code shown", () => {
    const failures = unionOf("pages/setup/setup-flow.ts", "FailureCode");
    const verify = unionOf("experiments/mssAccounts/src/api.ts", "VerifyFailure");
    const codes = [...failures, ...verify.map((v) => `logon-${v}`)];
    for (const c of codes) {
      expect(fr[messageName(`failure_${c}`)], `failure_${c}`).toBeDefined();
      expect(fr[messageName(`todo_${c}`)], `todo_${c}`).toBeDefined();
    }
    for (const s of [
      "bridge",
      "card",
      "identity",
      "directory",
      "trust",
      "discovery",
      "module",
      "ca",
      "account",
      "certificate",
      "pin",
      "logon",
    ])
      expect(fr[`step_${s}`]).toBeDefined();
    for (const p of ["ok", "count-low", "final-try", "locked", "to-be-changed", "not-initialized"])
      expect(fr[messageName(`pin_${p}`)]).toBeDefined();
    for (const p of unionOf("background/guard-decision.ts", "RecipientProblem")) expect(fr[messageName(`guardProblem_${p}`)]).toBeDefined();
    for (const a of ["created", "repaired", "unchanged"]) {
      expect(fr[`action_${a}`]).toBeDefined();
      expect(fr[`setupSuccess_${a}`]).toBeDefined();
    }
  });
});

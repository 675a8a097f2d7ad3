/**
 * Card model → PKCS#11 module candidates for this OS, in order of preference. Pure: the caller
 * checks which candidate exists (`firstExisting`), so tests can run any platform's rules anywhere.
 */
import path from "node:path";
import type { CardModel } from "../../shared/domain/card.ts";
import type { CardDatabase, ModuleEntry } from "./card-database-schema.ts";

export interface ModuleCandidate {
  path: string;
  /** Module id in the database, or "configured" for `--module`. */
  moduleId: string;
  moduleName: string;
}

export interface ResolveContext {
  db: CardDatabase;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Expands %VAR% (Windows style) and a leading ~/ in a database path. */
export function expandModulePath(p: string, env: NodeJS.ProcessEnv = {}, home?: string): string {
  let out = p.replace(/%([^%]+)%/g, (whole, name: string) => {
    const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
    const v = key ? env[key] : undefined;
    if (v) return v;
    if (name.toUpperCase() === "WINDIR" || name.toUpperCase() === "SYSTEMROOT") return "C:\\Windows";
    if (name.toUpperCase() === "PROGRAMFILES") return "C:\\Program Files";
    if (name.toUpperCase() === "PROGRAMFILES(X86)") return "C:\\Program Files (x86)";
    return whole;
  });
  if (home && (out === "~" || out.startsWith("~/"))) out = path.join(home, out.slice(1));
  return out;
}

/** The modules the database lists for a model (or, without a model, every module, CPS3's first). */
export function modulesFor(model: CardModel | string | null, db: CardDatabase): ModuleEntry[] {
  const id = typeof model === "string" ? model : model?.id;
  const entry = id ? db.cards.find((c) => c.id === id) : undefined;
  const ids = entry ? entry.modules : [...new Set(db.cards.flatMap((c) => c.modules))];
  return ids.map((m) => db.modules.find((x) => x.id === m)).filter((m): m is ModuleEntry => m !== undefined);
}

/**
 * Ordered module candidates for `model` on `platform`/`arch`. An explicit `--module` path wins
 * alone: the user said which library to use, so no silent fallback to another one.
 */
export function resolveModuleCandidates(
  model: CardModel | string | null,
  platform: NodeJS.Platform | string,
  arch: string,
  overridePath: string | null | undefined,
  ctx: ResolveContext,
): ModuleCandidate[] {
  if (overridePath) return [{ path: overridePath, moduleId: "configured", moduleName: "the module set with --module" }];
  const out: ModuleCandidate[] = [];
  for (const m of modulesFor(model, ctx.db)) {
    const paths = [...(m.paths[`${platform}-${arch}`] ?? []), ...(m.paths[platform] ?? [])];
    for (const p of paths) {
      const expanded = expandModulePath(p, ctx.env, ctx.home);
      if (!out.some((c) => c.path === expanded)) out.push({ path: expanded, moduleId: m.id, moduleName: m.name });
    }
  }
  return out;
}

/** Same as resolveModuleCandidates, as plain paths. */
export function resolveModule(
  model: CardModel | string | null,
  platform: NodeJS.Platform | string,
  arch: string,
  overridePath: string | null | undefined,
  ctx: ResolveContext,
): string[] {
  return resolveModuleCandidates(model, platform, arch, overridePath, ctx).map((c) => c.path);
}

export function firstExisting(candidates: ModuleCandidate[], exists: (p: string) => boolean): ModuleCandidate | null {
  return candidates.find((c) => exists(c.path)) ?? null;
}

/** What to tell a person when no candidate exists. */
export function moduleInstallHint(model: CardModel | string | null, db: CardDatabase, overridePath?: string | null): string {
  if (overridePath)
    return `The PKCS#11 module ${overridePath} set with --module (or modulePath in config.json) does not exist. Fix the path.`;
  const mods = modulesFor(model, db);
  const first = mods[0];
  if (!first) return "No PKCS#11 module is known for this card. Set one with --module PATH.";
  const others = mods.slice(1).map((m) => m.name);
  return `${first.install}${others.length ? ` (${others.join(", ")} also works for this card.)` : ""} Or set the library with --module PATH.`;
}

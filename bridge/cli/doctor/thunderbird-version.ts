/**
 * Thunderbird's version from what a PC shows of it: the output of `thunderbird --version`
 * ("Mozilla Thunderbird 153.8.0esr") or an install's application.ini (`Version=153.8.0`, and
 * `SourceRepository=…/comm-esr153` for an ESR build, whose Version has no "esr"). Pure.
 */

export interface ThunderbirdVersion {
  /** As shown, e.g. "153.8.0esr". */
  version: string;
  major: number;
  /** Extended Support Release (the channel the extension is supported on). */
  esr: boolean;
}

const VERSION = /^(\d+)(?:\.\d+){0,3}(?:esr|[ab]\d+)?$/;

function parseVersion(version: string, esrHint = false): ThunderbirdVersion | null {
  if (!VERSION.test(version)) return null;
  return { version, major: Number(version.split(".")[0]), esr: version.endsWith("esr") || esrHint };
}

/** `thunderbird --version` → the version, or null when the output is not Thunderbird's. */
export function parseVersionOutput(text: string): ThunderbirdVersion | null {
  const m = /Thunderbird\s+(\S+)/.exec(text);
  return m ? parseVersion(m[1]!) : null;
}

/** An install's application.ini → the version, or null when it is not Thunderbird's. */
export function parseApplicationIni(text: string): ThunderbirdVersion | null {
  const app: Record<string, string> = {};
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1]!;
    else if (section === "App" && line.includes("=") && !line.startsWith(";")) {
      const i = line.indexOf("=");
      app[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
  }
  if (app.Name !== "Thunderbird" || !app.Version) return null;
  return parseVersion(app.Version, /comm-esr\d+/.test(app.SourceRepository ?? ""));
}

/** "153.0" and "158.*" (manifest.json's strict_min_version / strict_max_version) → their major numbers. */
export function supportedMajors(min: string, max: string): { min: number; max: number } {
  return { min: Number.parseInt(min, 10), max: Number.parseInt(max, 10) };
}

/**
 * Which PKCS#11 modules loaded in Thunderbird use the same library file as the card's module
 * manifest. Pure: the paths and their resolution come in (privileged.ts).
 *
 * The WebExtension pkcs11 API only answers by manifest name, and compares library paths as strings
 * (`module.libName === manifest.path`): an administrator who preloaded Cryptolib CPS under another
 * name and another spelling of its path (a symbolic link, other letter case on Windows or macOS, a
 * bare file name the loader finds) is not seen, and installing the manifest's module then makes a
 * second NSS module on one library: NSS sees the card twice.
 */

/** A library as a module names it, and the same path resolved by the file system (null: could not be). */
export interface LibraryRef {
  path: string;
  resolved: string | null;
}

export interface LoadedModule {
  name: string;
  libName: string;
  resolved: string | null;
  /** A card (token) is present in one of its slots. */
  tokenPresent: boolean;
}

function hasDirectory(p: string): boolean {
  return /[\\/]/.test(p);
}

/** Separators unified, repeated ones and `.` parts dropped: how two spellings of one absolute path compare. */
function lexical(p: string, windows: boolean): string {
  const s = windows ? p.replace(/\\/g, "/") : p;
  return s
    .split("/")
    .filter((part, i) => part !== "." && (part !== "" || i === 0))
    .join("/");
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/**
 * The same library file: the resolved paths when both are known, else the paths as written; a
 * bare file name (found by the loader's search path) by its name. Letter case is ignored where the
 * file system usually ignores it (Windows, macOS).
 */
export function sameLibrary(a: LibraryRef, b: LibraryRef, opts: { caseInsensitive: boolean; windows: boolean }): boolean {
  if (!a.path.trim() || !b.path.trim()) return false; // NSS's internal module has no library
  const eq = (x: string, y: string) => (opts.caseInsensitive ? x.toLowerCase() === y.toLowerCase() : x === y);
  if (a.path === b.path) return true;
  if (a.resolved && b.resolved && eq(a.resolved, b.resolved)) return true;
  if (!hasDirectory(a.path) || !hasDirectory(b.path)) return eq(baseName(a.path), baseName(b.path));
  return eq(lexical(a.path, opts.windows), lexical(b.path, opts.windows));
}

/** The loaded modules on the same library as `library`, in Thunderbird's order. */
export function modulesOfLibrary(
  library: LibraryRef,
  modules: readonly LoadedModule[],
  opts: { caseInsensitive: boolean; windows: boolean },
): LoadedModule[] {
  return modules.filter((m) => sameLibrary(library, { path: m.libName, resolved: m.resolved }, opts));
}

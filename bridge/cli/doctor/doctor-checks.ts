/**
 * `mss-bridge doctor`'s verdicts: each check turns facts gathered from the PC (doctor-probes.ts)
 * into OK / ATTENTION / ÉCHEC with what to do, in French then English. Pure: no file, no process.
 */
import type { ThunderbirdVersion } from "./thunderbird-version.ts";

export type Verdict = "ok" | "warn" | "fail";

export interface Check {
  id: string;
  verdict: Verdict;
  fr: string;
  en: string;
  /** What to do (absent when nothing is to be done). */
  fixFr?: string;
  fixEn?: string;
}

const ok = (id: string, fr: string, en: string): Check => ({ id, verdict: "ok", fr, en });
const bad = (id: string, verdict: "warn" | "fail", fr: string, en: string, fixFr: string, fixEn: string): Check => ({
  id,
  verdict,
  fr,
  en,
  fixFr,
  fixEn,
});

// --- Thunderbird -----------------------------------------------------------------------------

export interface ThunderbirdFacts {
  /** A Thunderbird that is not sandboxed, from `thunderbird --version` or an application.ini; null: none found. */
  found: (ThunderbirdVersion & { where: string }) | null;
  /** Snap or Flatpak installs of Thunderbird found on the PC. */
  sandboxed: { kind: "snap" | "flatpak"; where: string }[];
  /** manifest.json's strict_min_version / strict_max_version, as majors. */
  supported: { min: number; max: number };
}

export function checkThunderbird(f: ThunderbirdFacts): Check {
  const id = "thunderbird";
  const range = `${f.supported.min}–${f.supported.max}`;
  if (!f.found) {
    if (f.sandboxed.length > 0) {
      return bad(
        id,
        "fail",
        "Thunderbird : seule une version snap ou Flatpak est installée (voir ci-dessous).",
        "Thunderbird: only a snap or Flatpak Thunderbird is installed (see below).",
        `Installez le Thunderbird ESR ${f.supported.min} ou plus récent du paquet Debian ou de l'archive de Mozilla.`,
        `Install Thunderbird ESR ${f.supported.min} or later from the Debian package or Mozilla's tarball.`,
      );
    }
    return bad(
      id,
      "fail",
      "Thunderbird : introuvable sur ce PC.",
      "Thunderbird: not found on this PC.",
      `Installez Thunderbird ESR (${range}).`,
      `Install Thunderbird ESR (${range}).`,
    );
  }
  const { version, major, esr, where } = f.found;
  const channel = esr ? "ESR" : "Release";
  if (major < f.supported.min) {
    return bad(
      id,
      "fail",
      `Thunderbird ${version} (${where}) : trop ancien, l'extension demande ${f.supported.min} ou plus.`,
      `Thunderbird ${version} (${where}): too old, the extension needs ${f.supported.min} or later.`,
      `Mettez Thunderbird à jour vers l'ESR ${f.supported.min} ou plus récent.`,
      `Update Thunderbird to ESR ${f.supported.min} or later.`,
    );
  }
  if (major > f.supported.max) {
    return bad(
      id,
      "fail",
      `Thunderbird ${version} (${where}) : plus récent que ${f.supported.max}, la dernière version testée ; Thunderbird désactive l'extension.`,
      `Thunderbird ${version} (${where}): newer than ${f.supported.max}, the last version tested; Thunderbird disables the extension.`,
      "Installez la version de l'extension qui prend en charge ce Thunderbird, ou revenez à l'ESR.",
      "Install the extension's release that supports this Thunderbird, or go back to the ESR.",
    );
  }
  if (!esr) {
    return bad(
      id,
      "warn",
      `Thunderbird ${version} (${channel}, ${where}) : pris en charge (${range}), mais hors ESR.`,
      `Thunderbird ${version} (${channel}, ${where}): supported (${range}), but not the ESR.`,
      "Préférez l'ESR : la version Release doit cesser d'exécuter les Experiments dont l'extension a besoin.",
      "Prefer the ESR: the Release channel is to stop running the Experiments the extension needs.",
    );
  }
  return ok(
    id,
    `Thunderbird ${version} (ESR, ${where}) : pris en charge (${range}).`,
    `Thunderbird ${version} (ESR, ${where}): supported (${range}).`,
  );
}

export function checkSandbox(f: ThunderbirdFacts): Check {
  const id = "thunderbird-sandbox";
  if (f.sandboxed.length === 0) return ok(id, "Thunderbird snap ou Flatpak : aucun.", "Snap or Flatpak Thunderbird: none.");
  const list = f.sandboxed.map((s) => `${s.kind} (${s.where})`).join(", ");
  const fr = `Thunderbird ${list} : NON PRIS EN CHARGE. Un Thunderbird snap ou Flatpak ne peut pas charger Cryptolib CPS : pas de connexion avec la carte.`;
  const en = `Thunderbird ${list}: NOT SUPPORTED. A snap or Flatpak Thunderbird cannot load Cryptolib CPS: no login with the card.`;
  if (f.found) {
    return bad(
      id,
      "warn",
      fr,
      en,
      `Utilisez le Thunderbird non isolé (${f.found.where}) et retirez l'autre (sudo snap remove thunderbird, ou flatpak uninstall).`,
      `Use the non-sandboxed Thunderbird (${f.found.where}) and remove the other (sudo snap remove thunderbird, or flatpak uninstall).`,
    );
  }
  return bad(
    id,
    "fail",
    fr,
    en,
    "Remplacez-le par le paquet Debian de Thunderbird ou l'archive de Mozilla.",
    "Replace it with Debian's Thunderbird package or Mozilla's tarball.",
  );
}

// --- Card module -----------------------------------------------------------------------------

export interface ModuleFacts {
  /** modulePath from the configuration, and whether IT's machine file set it. */
  configured: { path: string; exists: boolean; fromMachine: boolean } | null;
  /** Cryptolib CPS's known paths for this OS, and whether each exists. */
  cryptolib: { path: string; exists: boolean }[];
  /** Another module that reads the card (OpenSC), when present. */
  alternative: { name: string; path: string } | null;
  /** How to install Cryptolib CPS (from the card database). */
  installFr: string;
  installEn: string;
}

export function checkModule(f: ModuleFacts): Check {
  const id = "card-module";
  if (f.configured) {
    const by = f.configured.fromMachine ? "la configuration machine (IT)" : "config.json";
    const byEn = f.configured.fromMachine ? "the machine configuration (IT)" : "config.json";
    if (f.configured.exists)
      return ok(id, `Module de la carte : ${f.configured.path} (fixé par ${by}).`, `Card module: ${f.configured.path} (set by ${byEn}).`);
    return bad(
      id,
      "fail",
      `Module de la carte : ${f.configured.path}, fixé par ${by}, n'existe pas.`,
      `Card module: ${f.configured.path}, set by ${byEn}, does not exist.`,
      f.configured.fromMachine ? "Demandez à l'IT de corriger modulePath." : "Corrigez modulePath dans config.json.",
      f.configured.fromMachine ? "Ask IT to fix modulePath." : "Fix modulePath in config.json.",
    );
  }
  const found = f.cryptolib.find((c) => c.exists);
  if (found) return ok(id, `Cryptolib CPS : ${found.path}.`, `Cryptolib CPS: ${found.path}.`);
  const where = f.cryptolib.map((c) => c.path).join(", ") || "—";
  if (f.alternative) {
    return bad(
      id,
      "warn",
      `Cryptolib CPS : absent (${where}) ; ${f.alternative.name} (${f.alternative.path}) lit une CPS3, pas une CPS4.`,
      `Cryptolib CPS: missing (${where}); ${f.alternative.name} (${f.alternative.path}) reads a CPS3, not a CPS4.`,
      f.installFr,
      f.installEn,
    );
  }
  return bad(id, "fail", `Cryptolib CPS : absent (${where}).`, `Cryptolib CPS: missing (${where}).`, f.installFr, f.installEn);
}

// --- Manifests Thunderbird reads -------------------------------------------------------------

export interface ManifestFile {
  file: string;
  /** What is wrong with it for our add-on (unreadable, another add-on, its `path` missing), or null. */
  problem: string | null;
}

export interface ManifestFacts {
  kind: "native-messaging" | "pkcs11";
  /** mssante_bridge or mssante_cps. */
  name: string;
  /** The per-user manifest, when present (Thunderbird reads it first). */
  user: ManifestFile | null;
  /** System manifests present (a package's). */
  system: ManifestFile[];
}

export function checkManifest(f: ManifestFacts): Check {
  const id = `${f.kind}-manifest`;
  const what = f.kind === "native-messaging" ? "Hôte natif" : "Manifeste PKCS#11";
  const whatEn = f.kind === "native-messaging" ? "Native-messaging host" : "PKCS#11 manifest";
  const effect =
    f.kind === "native-messaging"
      ? { fr: "Thunderbird ne peut pas démarrer le pont.", en: "Thunderbird cannot start the bridge." }
      : { fr: "l'extension ne peut pas faire charger le module de la carte.", en: "the extension cannot have the card's module loaded." };
  const used = f.user ?? f.system[0] ?? null;
  if (!used) {
    return bad(
      id,
      "warn",
      `${what} ${f.name} : absent ; ${effect.fr}`,
      `${whatEn} ${f.name}: missing; ${effect.en}`,
      "Lancez mss-bridge install (ou installez le paquet du pont).",
      "Run mss-bridge install (or install the bridge's package).",
    );
  }
  if (used.problem) {
    return bad(
      id,
      "fail",
      `${what} ${f.name} : ${used.file} est inutilisable (${used.problem}) ; ${effect.fr}`,
      `${whatEn} ${f.name}: ${used.file} is unusable (${used.problem}); ${effect.en}`,
      f.user ? "Relancez mss-bridge install, ou supprimez ce fichier (mss-bridge uninstall)." : "Réinstallez le paquet du pont.",
      f.user ? "Run mss-bridge install again, or remove this file (mss-bridge uninstall)." : "Reinstall the bridge's package.",
    );
  }
  if (f.user && f.system.length > 0) {
    const sys = f.system.map((s) => s.file).join(", ");
    return bad(
      id,
      "warn",
      `${what} ${f.name} : celui de l'utilisateur (${f.user.file}) masque celui du système (${sys}).`,
      `${whatEn} ${f.name}: the user's (${f.user.file}) shadows the system's (${sys}).`,
      "Sauf installation de développement voulue, supprimez celui de l'utilisateur : mss-bridge uninstall.",
      "Unless a developer install is meant, remove the user's: mss-bridge uninstall.",
    );
  }
  return ok(id, `${what} ${f.name} : ${used.file}.`, `${whatEn} ${f.name}: ${used.file}.`);
}

// --- Data directory --------------------------------------------------------------------------

export interface DataDirFacts {
  dir: string;
  exists: boolean;
  /** Why the bridge would refuse it (assertPrivateDataDir's message), or null. */
  unsafe: string | null;
}

export function checkDataDir(f: DataDirFacts): Check {
  const id = "data-dir";
  if (f.unsafe) {
    return bad(
      id,
      "fail",
      `Dossier de données ${f.dir} : d'autres utilisateurs peuvent le modifier ; le pont refuse de démarrer.`,
      `Data directory ${f.dir}: other users can change it; the bridge refuses to start.`,
      "Corrigez ses droits comme l'indique la ligne suivante.",
      f.unsafe,
    );
  }
  if (!f.exists) {
    return bad(
      id,
      "warn",
      `Dossier de données ${f.dir} : pas encore créé.`,
      `Data directory ${f.dir}: not created yet.`,
      "Lancez mss-bridge install.",
      "Run mss-bridge install.",
    );
  }
  return ok(id, `Dossier de données ${f.dir} : privé.`, `Data directory ${f.dir}: private.`);
}

// --- Directory -------------------------------------------------------------------------------

export interface DirectoryFacts {
  source: "offline" | "ldap";
  ldapUrl: string | null;
  dbPath: string;
  /** A machine-wide index this user cannot write (IT refreshes it). */
  shared: boolean;
  index: { count: number; sourceDate: string | null; builtAt: string } | null;
  /** Why the index could not be opened (missing: null with index null). */
  error: string | null;
  now: number;
  staleAfterDays: number;
}

export function checkDirectory(f: DirectoryFacts): Check {
  const id = "directory";
  if (f.source === "ldap")
    return ok(id, `Annuaire : LDAP ${f.ldapUrl ?? ""} (non interrogé ici).`, `Directory: LDAP ${f.ldapUrl ?? ""} (not queried here).`);
  const fixFr = f.shared
    ? "Cet index partagé est mis à jour par l'IT (tâche planifiée) : prévenez-la."
    : "Importez l'extraction : mss-bridge directory import <url ou fichier>.";
  const fixEn = f.shared
    ? "This shared index is refreshed by IT (a scheduled task): tell them."
    : "Import the extraction: mss-bridge directory import <url or file>.";
  if (!f.index) {
    const why = f.error ? `inutilisable (${f.error})` : "absent";
    const whyEn = f.error ? `unusable (${f.error})` : "missing";
    return bad(
      id,
      "warn",
      `Annuaire hors ligne ${f.dbPath} : ${why} ; la saisie semi-automatique ne trouve pas les confrères.`,
      `Offline directory ${f.dbPath}: ${whyEn}; autocomplete finds no colleague.`,
      fixFr,
      fixEn,
    );
  }
  const ref = Date.parse(f.index.sourceDate ?? f.index.builtAt);
  const days = Number.isNaN(ref) ? null : Math.max(0, Math.floor((f.now - ref) / 86_400_000));
  const of = f.index.sourceDate ? `extraction du ${f.index.sourceDate.slice(0, 10)}` : `construit le ${f.index.builtAt.slice(0, 10)}`;
  const ofEn = f.index.sourceDate ? `extraction of ${f.index.sourceDate.slice(0, 10)}` : `built on ${f.index.builtAt.slice(0, 10)}`;
  const shared = f.shared ? ", partagé en lecture seule" : "";
  const sharedEn = f.shared ? ", shared read-only" : "";
  const fr = `Annuaire hors ligne : ${f.index.count} adresses, ${of}${days === null ? "" : `, il y a ${days} jour(s)`}${shared}.`;
  const en = `Offline directory: ${f.index.count} addresses, ${ofEn}${days === null ? "" : `, ${days} day(s) ago`}${sharedEn}.`;
  if (days === null || days > f.staleAfterDays) return bad(id, "warn", `${fr} Trop ancien.`, `${en} Too old.`, fixFr, fixEn);
  return ok(id, fr, en);
}

// --- Configuration -----------------------------------------------------------------------------

export interface ConfigFacts {
  machineFile: string;
  /** "none": no machine file; "error": it or config.json is refused (the message says why). */
  state: "none" | "ok" | "error";
  error: string | null;
  /** The machine file belongs to the user running the bridge, not root: its locks are only advisory. */
  ownedByUser: boolean;
  keys: string[];
  locked: string[];
  /** Locked keys config.json sets to another value (ignored). */
  overridden: string[];
}

export function checkConfig(f: ConfigFacts): Check {
  const id = "machine-config";
  if (f.state === "error") {
    return bad(
      id,
      "fail",
      "Configuration refusée : le pont ne démarre pas.",
      "Configuration refused: the bridge does not start.",
      `Corrigez le fichier : ${f.error ?? ""}`,
      `Fix the file: ${f.error ?? ""}`,
    );
  }
  if (f.state === "none") {
    return ok(id, `Configuration machine (IT) : aucune (${f.machineFile}).`, `Machine configuration (IT): none (${f.machineFile}).`);
  }
  const locked = f.locked.length ? f.locked.join(", ") : "aucune";
  const lockedEn = f.locked.length ? f.locked.join(", ") : "none";
  const fr = `Configuration machine (IT) ${f.machineFile} : ${f.keys.length} clé(s), verrouillées : ${locked}.`;
  const en = `Machine configuration (IT) ${f.machineFile}: ${f.keys.length} key(s), locked: ${lockedEn}.`;
  if (f.overridden.length > 0) {
    const keys = f.overridden.join(", ");
    return bad(
      id,
      "warn",
      `${fr} config.json change ${keys}, verrouillé par l'IT : ignoré.`,
      `${en} config.json changes ${keys}, locked by IT: ignored.`,
      `Retirez ${keys} de config.json.`,
      `Remove ${keys} from config.json.`,
    );
  }
  if (f.ownedByUser) {
    return bad(
      id,
      "warn",
      `${fr} Le fichier appartient à l'utilisateur, pas à root : ses verrous ne tiennent pas.`,
      `${en} The file belongs to the user, not root: its locks do not hold.`,
      `Donnez-le à root : sudo chown root: '${f.machineFile}'.`,
      `Give it to root: sudo chown root: '${f.machineFile}'.`,
    );
  }
  return ok(id, fr, en);
}

// --- Summary ---------------------------------------------------------------------------------

/** The PC cannot work when any check failed. */
export function canWork(checks: Check[]): boolean {
  return checks.every((c) => c.verdict !== "fail");
}

/**
 * Deterministic generator of a realistic synthetic MSSanté directory extraction, in the exact
 * published format (31 columns, '|'-separated, one header line, UTF-8, file named
 * Extraction_Correspondance_MSSante_<AAAAMMJJhhmm>.txt), at any size, for tests, the demo and the
 * benchmarks. Same seed and options → byte-identical output.
 *
 *   node --import tsx scripts/generate-directory.ts [--lines N] [--seed S] [--out DIR]
 *        [--date AAAAMMJJhhmm] [--zip] [--fixtures FILE.json]
 *
 * Proportions follow the 2026 extraction: ~85% PER lines, ~15% ORG, a few APP/CAB; about one
 * personal address in twelve has several lines (several practice situations).
 */
import { mulberry32 } from "./lib/mulberry32.ts";
import { createWriteStream, readFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import yazl from "yazl";
import { ALL_COLUMNS } from "../bridge/directory/import/columns.ts";

export const FULL_SIZE_LINES = 536_000;

/** A mailbox to place in the extraction at a known spot (tests, e2e, demo). */
export interface FixtureEntry {
  type?: "PER" | "ORG" | "APP" | "CAB";
  email: string;
  /** idNat, e.g. "8" + RPPS (11 digits). */
  idNat?: string | null;
  surname?: string | null;
  givenName?: string | null;
  civility?: string | null;
  profession?: string | null;
  professionCode?: string | null;
  specialty?: string | null;
  /** One line per place. */
  places?: {
    organisation?: string | null;
    service?: string | null;
    street?: string | null;
    city?: string | null;
    postalCode?: string | null;
    department?: string | null;
  }[];
}

export interface GenerateOptions {
  lines?: number;
  seed?: number;
  /** AAAAMMJJhhmm used in the file name. */
  date?: string;
  fixtures?: FixtureEntry[];
}

// ---- deterministic randomness -----------------------------------------------------------------

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** Skewed: early items more frequent (names, cities), like real name frequencies. */
  zipf<T>(a: readonly T[]): T {
    const u = this.next();
    return a[Math.min(a.length - 1, Math.floor(a.length * u * Math.sqrt(u)))]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }
}

// ---- vocabulary ---------------------------------------------------------------------------------
const SURNAMES = [
  "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
  "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
  "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller", "Lefebvre", "Faure", "André",
  "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
  "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
  "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
  "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
  "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
  "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
  "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
  "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
  "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
  "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
  "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
  "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
  "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
  "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
  "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva",
  "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret",
  "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte",
  "N'Diaye", "N'Guyen", "Nguyen", "Diallo", "Traoré", "Benali", "Haddad", "Mendès", "Côté", "Østergaard",
];
const PARTICLES = ["de la Tour", "de Saint-Exupéry", "d'Arcy", "de Villiers", "du Pont", "de La Fayette", "d'Estienne d'Orves", "de Gaulle", "le Bihan", "de Bourbon-Busset"];
const SYL_A = ["Beau", "Bel", "Bon", "Ker", "Lan", "Mont", "Pont", "Roche", "Ville", "Val", "Cham", "Bois", "Mar", "Fer", "Gar", "Lor", "Ros", "Sau", "Tal", "Ver", "Cour", "Pra", "Bru", "Cas", "Dar"];
const SYL_B = ["champ", "mont", "val", "fort", "ville", "court", "gard", "lin", "mer", "nier", "quet", "ret", "sart", "taine", "bert", "din", "gnac", "lès", "rieu", "zac", "vée", "rand", "ard", "ot", "elle"];
const SYL_C = ["", "", "", "a", "e", "i", "o", "an", "en", "er", "el", "on", "ou", "in", "ar", "is", "us", "ac", "eau", "il"];
const SUFFIX = ["", "", "", "t", "s", "x", "au", "ier", "ec", "ez", "y", "e", "on", "in", "ais"];
const GIVEN_M = ["Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "François", "Thomas", "Julien", "Éric", "Laurent", "David", "Stéphane", "Olivier", "Christophe", "Frédéric", "Sébastien", "Antoine", "Jérôme", "Mathieu", "Hervé", "Bruno", "Jean-Pierre", "Jean-François", "Marc", "Benoît", "Rémi", "Loïc", "Gaël", "Hugo", "Mamadou", "Karim"];
const GIVEN_F = ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Christine", "Valérie", "Sandrine", "Céline", "Anne", "Julie", "Camille", "Émilie", "Hélène", "Aurélie", "Claire", "Laure", "Chloé", "Léa", "Manon", "Agnès", "Marie-Claire", "Anne-Sophie", "Béatrice", "Françoise", "Geneviève", "Maëlle", "Zoé", "Fatou", "Amélie", "Noémie"];

/** [code, label, share, civility pool, Mailiz domain, savoir-faire list] */
const MEDICAL_SPECIALTIES: [string, string][] = [
  ["SM54", "Médecine générale"], ["SM54", "Médecine générale"], ["SM54", "Médecine générale"], ["SM54", "Médecine générale"],
  ["SM04", "Cardiologie et maladies vasculaires"], ["SM15", "Dermatologie et vénéréologie"], ["SM26", "Gynécologie-obstétrique"],
  ["SM40", "Pédiatrie"], ["SM42", "Psychiatrie"], ["SM38", "Ophtalmologie"], ["SM33", "Oto-rhino-laryngologie"],
  ["SM02", "Anesthésie-réanimation"], ["SM44", "Radio-diagnostic"], ["SM24", "Gastro-entérologie et hépatologie"],
  ["SM32", "Néphrologie"], ["SM34", "Pneumologie"], ["SM49", "Rhumatologie"], ["SM35", "Neurologie"],
  ["SM19", "Endocrinologie et métabolisme"], ["SM20", "Gériatrie"], ["SM53", "Chirurgie orthopédique et traumatologie"],
  ["SM47", "Oncologie médicale"], ["SM28", "Médecine d'urgence"], ["SM05", "Chirurgie viscérale et digestive"],
];
interface Profession {
  code: string;
  label: string;
  weight: number;
  domain: string;
  civilities: string[];
  skills: [string, string][];
}
const PROFESSIONS: Profession[] = [
  { code: "10", label: "Médecin", weight: 46, domain: "medecin.mssante.fr", civilities: ["DR", "DR", "DR", "PR"], skills: MEDICAL_SPECIALTIES },
  { code: "21", label: "Pharmacien", weight: 12, domain: "pharmacien.mssante.fr", civilities: ["M", "MME", "DR"], skills: [["", ""], ["", ""], ["PH01", "Pharmacie d'officine"], ["PH03", "Biologie médicale"]] },
  { code: "60", label: "Infirmier", weight: 20, domain: "infirmier.mssante.fr", civilities: ["M", "MME", "MME"], skills: [["", ""], ["", ""], ["", ""], ["IDE01", "Infirmier en pratique avancée"]] },
  { code: "70", label: "Masseur-kinésithérapeute", weight: 9, domain: "masseur-kinesitherapeute.mssante.fr", civilities: ["M", "MME"], skills: [["", ""]] },
  { code: "40", label: "Chirurgien-dentiste", weight: 7, domain: "chirurgien-dentiste.mssante.fr", civilities: ["DR"], skills: [["", ""], ["", ""], ["SCD01", "Orthopédie dento-faciale"], ["SCD02", "Chirurgie orale"]] },
  { code: "50", label: "Sage-femme", weight: 4, domain: "sage-femme.mssante.fr", civilities: ["MME", "MME", "M"], skills: [["", ""]] },
  { code: "80", label: "Pédicure-podologue", weight: 2, domain: "pedicure-podologue.mssante.fr", civilities: ["M", "MME"], skills: [["", ""]] },
];
const PROFESSION_POOL = PROFESSIONS.flatMap((p) => Array.from({ length: p.weight }, () => p));

/** [city as written, postcodes, department code, hospital short name] */
const CITIES: [string, string[], string, string][] = [
  ["PARIS", ["75001", "75005", "75010", "75012", "75013", "75014", "75015", "75016", "75018", "75020"], "75", "aphp"],
  ["MARSEILLE", ["13001", "13005", "13008", "13009", "13013"], "13", "ap-hm"],
  ["LYON", ["69001", "69002", "69003", "69006", "69007", "69008"], "69", "chu-lyon"],
  ["TOULOUSE", ["31000", "31300", "31400", "31500"], "31", "chu-toulouse"],
  ["NICE", ["06000", "06100", "06200"], "06", "chu-nice"],
  ["NANTES", ["44000", "44100", "44300"], "44", "chu-nantes"],
  ["MONTPELLIER", ["34000", "34070", "34090"], "34", "chu-montpellier"],
  ["STRASBOURG", ["67000", "67100", "67200"], "67", "chru-strasbourg"],
  ["BORDEAUX", ["33000", "33100", "33200", "33300", "33800"], "33", "chu-bordeaux"],
  ["LILLE", ["59000", "59160", "59800"], "59", "chru-lille"],
  ["RENNES", ["35000", "35200", "35700"], "35", "chu-rennes"],
  ["REIMS", ["51100"], "51", "chu-reims"],
  ["SAINT-ÉTIENNE", ["42000", "42100"], "42", "chu-st-etienne"],
  ["Saint-Étienne-du-Rouvray", ["76800"], "76", "ch-rouvray"],
  ["LE HAVRE", ["76600", "76610", "76620"], "76", "ch-havre"],
  ["TOULON", ["83000", "83100", "83200"], "83", "chi-toulon"],
  ["GRENOBLE", ["38000", "38100"], "38", "chu-grenoble"],
  ["DIJON", ["21000"], "21", "chu-dijon"],
  ["ANGERS", ["49000", "49100"], "49", "chu-angers"],
  ["NÎMES", ["30000", "30900"], "30", "chu-nimes"],
  ["VILLEURBANNE", ["69100"], "69", "ch-villeurbanne"],
  ["CLERMONT-FERRAND", ["63000", "63100"], "63", "chu-clermontferrand"],
  ["LE MANS", ["72000", "72100"], "72", "ch-lemans"],
  ["AIX-EN-PROVENCE", ["13090", "13100"], "13", "ch-aix"],
  ["BREST", ["29200"], "29", "chu-brest"],
  ["TOURS", ["37000", "37100", "37200"], "37", "chu-tours"],
  ["AMIENS", ["80000", "80080", "80090"], "80", "chu-amiens"],
  ["LIMOGES", ["87000", "87100"], "87", "chu-limoges"],
  ["PERPIGNAN", ["66000", "66100"], "66", "ch-perpignan"],
  ["METZ", ["57000", "57050", "57070"], "57", "chr-metz"],
  ["BESANÇON", ["25000"], "25", "chu-besancon"],
  ["ORLÉANS", ["45000", "45100"], "45", "chr-orleans"],
  ["ROUEN", ["76000", "76100"], "76", "chu-rouen"],
  ["CAEN", ["14000"], "14", "chu-caen"],
  ["NANCY", ["54000", "54100"], "54", "chru-nancy"],
  ["ARGENTEUIL", ["95100"], "95", "ch-argenteuil"],
  ["SAINT-DENIS", ["93200"], "93", "ch-stdenis"],
  ["Saint-Denis", ["97400"], "974", "chu-reunion"],
  ["POITIERS", ["86000"], "86", "chu-poitiers"],
  ["PAU", ["64000"], "64", "ch-pau"],
  ["LA ROCHELLE", ["17000"], "17", "ch-larochelle"],
  ["ANNECY", ["74000"], "74", "ch-annecy"],
  ["Quimper", ["29000"], "29", "ch-quimper"],
  ["L'ISLE-D'ABEAU", ["38080"], "38", "ch-isle"],
  ["SAINTE-FOY-LÈS-LYON", ["69110"], "69", "ch-stefoy"],
  ["ÉPINAL", ["88000"], "88", "ch-épinal"],
  ["AJACCIO", ["20000"], "2A", "ch-ajaccio"],
  ["BASTIA", ["20200"], "2B", "ch-bastia"],
  ["CAYENNE", ["97300"], "973", "ch-cayenne"],
  ["BÉZIERS", ["34500"], "34", "ch-béziers"],
];
const STREET_TYPES = ["RUE", "RUE", "RUE", "AVENUE", "BOULEVARD", "PLACE", "CHEMIN", "ALLEE", "IMPASSE", "QUAI", "ROUTE"];
const STREET_NAMES = [
  "DE LA RÉPUBLIQUE", "VICTOR HUGO", "JEAN JAURÈS", "DU GÉNÉRAL DE GAULLE", "PASTEUR", "DE LA GARE", "GAMBETTA",
  "DES LILAS", "DU MOULIN", "NATIONALE", "DE LA LIBÉRATION", "DU 8 MAI 1945", "ÉMILE ZOLA", "DE VERDUN", "CARNOT",
  "DE L'ÉGLISE", "FOCH", "DES ÉCOLES", "SAINT-MARTIN", "D'ALSACE-LORRAINE", "ARISTIDE BRIAND", "DU CHÂTEAU",
  "JULES FERRY", "DE LA PAIX", "MARCEL PAGNOL", "DES TILLEULS", "LOUIS PASTEUR", "SAINTE-ANNE", "DU PORT", "DES PINS",
];
const HOSPITAL_KINDS = ["Centre hospitalier universitaire de", "Centre hospitalier de", "Clinique Sainte-Anne", "Clinique du Parc", "Polyclinique de", "Hôpital privé de", "EHPAD Les Tilleuls", "Centre de santé municipal de", "Groupe hospitalier de", "Institut de cancérologie de"];
const SERVICES = [
  "Service de cardiologie", "Secrétariat médical", "Service des urgences", "Pharmacie à usage intérieur", "Service de pédiatrie",
  "Laboratoire de biologie médicale", "Service d'imagerie médicale", "Département d'information médicale", "Service de gériatrie",
  "Maternité", "Bloc opératoire", "Service de psychiatrie adulte", "Consultations externes", "Service de néphrologie-dialyse",
];
const ORG_BOXES = ["secretariat", "accueil", "contact", "cardiologie", "urgences", "pharmacie", "dim", "radiologie", "laboratoire", "direction", "maternite", "pediatrie"];
const SOFTWARE = ["Résultats laboratoire", "Comptes rendus imagerie", "Dossier patient", "Messagerie DMP", "Lettres de liaison"];

const CIVILITY_EMPTY_RATE = 0.03;

// ---- generation ---------------------------------------------------------------------------------
export function extractionFileName(date: string): string {
  return `Extraction_Correspondance_MSSante_${date}.txt`;
}

function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

function asciiLocal(s: string): string {
  return s
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/g, "o")
    .replace(/['’\s]+/g, "")
    .replace(/[^a-z0-9.-]/g, "");
}

interface Place {
  organisation: string;
  service: string;
  number: string;
  streetType: string;
  streetName: string;
  city: string;
  postalCode: string;
  department: string;
  structureType: string;
  structureId: string;
}

interface Row {
  type: string;
  email: string;
  idNat: string;
  civility: string;
  surname: string;
  givenName: string;
  professionCode: string;
  profession: string;
  skillCode: string;
  skill: string;
  place: Place;
}

const COLUMN_COUNT = ALL_COLUMNS.length;

function formatRow(r: Row): string {
  const rpps = r.idNat.startsWith("8") ? r.idNat.slice(1) : "";
  const cols: string[] = [
    r.type,
    r.email,
    r.idNat ? (rpps ? "8" : r.idNat.slice(0, 1)) : "",
    rpps || r.idNat.slice(1),
    r.idNat,
    r.place.structureType,
    r.place.structureId,
    r.place.service,
    r.civility,
    r.surname,
    r.givenName,
    r.professionCode ? "C" : "",
    r.professionCode ? "Civil" : "",
    r.professionCode,
    r.profession,
    r.skillCode,
    r.skill,
    "",
    r.place.organisation,
    "",
    "",
    "",
    r.place.number,
    "",
    r.place.streetType,
    r.place.streetName,
    "",
    r.place.city ? `${r.place.postalCode} ${r.place.city.toUpperCase()}` : "",
    r.place.postalCode,
    r.place.department,
    r.place.city ? "FRANCE" : "",
  ];
  if (cols.length !== COLUMN_COUNT) throw new Error("generator column count mismatch");
  return cols.map((c) => c.replace(/[|\r\n]/g, " ")).join("|");
}

class DirectoryFaker {
  private readonly rng: Rng;
  private readonly emails = new Set<string>();
  private rppsCounter: number;

  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.rppsCounter = 10000000000 + this.rng.int(1000000) * 100;
  }

  private readonly nextSuffix = new Map<string, number>();

  private uniqueEmail(local: string, domain: string): string {
    const base = `${local}@${domain}`;
    let i = this.nextSuffix.get(base) ?? 1;
    let e = i === 1 ? base : `${local}${i}@${domain}`;
    while (this.emails.has(e)) e = `${local}${++i}@${domain}`;
    this.nextSuffix.set(base, i + 1);
    this.emails.add(e);
    return e;
  }

  reserve(email: string): void {
    this.emails.add(email);
  }

  private surname(): string {
    const r = this.rng;
    const u = r.float();
    let s: string;
    // A few common names, then a long tail of rarer ones (the real file has ~100,000 surnames).
    if (u < 0.3) s = r.zipf(SURNAMES);
    else if (u < 0.9) s = r.pick(SYL_A) + r.pick(SYL_C) + r.pick(SYL_B) + r.pick(SUFFIX);
    else if (u < 0.95) s = `${r.pick(SURNAMES)}-${r.pick(SURNAMES)}`;
    else if (u < 0.98) s = r.pick(PARTICLES);
    else s = r.pick(["N'", "M'", "O'", "D'"]) + r.pick(["Diaye", "Bala", "Connor", "Amico", "Gom", "Doye", "Sougou"]);
    // Most lines carry the name in capitals, some mixed case (both occur in the extraction).
    return r.chance(0.7) ? s.toUpperCase() : s;
  }

  private cityPlace(): { city: string; postalCode: string; department: string; hosp: string } {
    const [city, cps, dept, hosp] = this.rng.zipf(CITIES);
    return { city, postalCode: this.rng.pick(cps), department: dept, hosp };
  }

  private street(): { number: string; streetType: string; streetName: string } {
    const r = this.rng;
    // Empty address fields are common in the extraction.
    if (r.chance(0.3)) return { number: "", streetType: "", streetName: "" };
    return { number: String(1 + r.int(150)), streetType: r.pick(STREET_TYPES), streetName: r.pick(STREET_NAMES) };
  }

  private hospital(c: { city: string }): string {
    const kind = this.rng.pick(HOSPITAL_KINDS);
    const name = titleCase(c.city);
    if (!kind.endsWith(" de")) return `${kind} ${name}`;
    return /^[AEIOUYÉÈÎ]/i.test(name) ? `${kind.slice(0, -3)} d'${name}` : `${kind} ${name}`;
  }

  /** Lines of one personal mailbox (1 to 3 practice situations). */
  per(): Row[] {
    const r = this.rng;
    const prof = r.pick(PROFESSION_POOL);
    const female = r.chance(0.5);
    const given = r.zipf(female ? GIVEN_F : GIVEN_M);
    const surname = this.surname();
    const [skillCode, skill] = r.pick(prof.skills);
    const civility = r.chance(CIVILITY_EMPTY_RATE) ? "" : prof.label === "Médecin" ? r.pick(prof.civilities) : female ? "MME" : "M";
    this.rppsCounter += 1 + r.int(9);
    const rpps = String(this.rppsCounter);
    const idNat = `8${rpps}`;
    const first = this.cityPlace();
    const inHospital = r.chance(0.25);
    const domain = inHospital ? `${first.hosp}.mssante.fr` : prof.domain;
    const email = this.uniqueEmail(`${asciiLocal(given)}.${asciiLocal(surname)}`, domain);
    const nPlaces = r.chance(0.08) ? 2 + (r.chance(0.25) ? 1 : 0) : 1;
    const rows: Row[] = [];
    for (let i = 0; i < nPlaces; i++) {
      const c = i === 0 ? first : this.cityPlace();
      const hosp = inHospital || r.chance(0.3);
      const organisation = hosp
        ? this.hospital(c)
        : prof.label === "Pharmacien"
          ? r.pick(["Pharmacie du Centre", "Pharmacie de la Gare", "Pharmacie des Halles", `Pharmacie ${titleCase(surname)}`])
          : r.chance(0.5)
            ? `Cabinet du Dr ${surname}`
            : r.chance(0.5)
              ? `Maison de santé pluriprofessionnelle ${titleCase(c.city)}`
              : "";
      rows.push({
        type: "PER",
        email,
        idNat,
        civility,
        surname,
        givenName: r.chance(0.01) ? "" : given,
        professionCode: prof.code,
        profession: prof.label,
        skillCode,
        skill,
        place: {
          organisation,
          service: hosp && r.chance(0.4) ? r.pick(SERVICES) : "",
          ...this.street(),
          city: c.city,
          postalCode: c.postalCode,
          department: c.department,
          structureType: hosp ? "3" : organisation ? "5" : "",
          structureId: hosp ? `${c.department.padStart(2, "0").slice(0, 2)}${r.digits(7)}` : organisation ? r.digits(14) : "",
        },
      });
    }
    return rows;
  }

  /** An organisational mailbox (a ward's secretariat, a pharmacy, a laboratory…). */
  org(type: "ORG" | "APP" | "CAB"): Row {
    const r = this.rng;
    const c = this.cityPlace();
    const organisation = type === "CAB" ? `Cabinet médical ${r.pick(STREET_NAMES).toLowerCase()}` : this.hospital(c);
    const service = type === "APP" ? r.pick(SOFTWARE) : r.chance(0.7) ? r.pick(SERVICES) : "";
    // A few operators use internationalised domain names.
    const domain = r.chance(0.02) ? `${c.hosp}.santé-exemple.fr` : `${c.hosp}.mssante.fr`;
    const local = type === "APP" ? `app-${asciiLocal(service).replace(/\./g, "")}` : r.pick(ORG_BOXES);
    return {
      type,
      email: this.uniqueEmail(local, domain),
      idNat: "",
      civility: "",
      surname: "",
      givenName: "",
      professionCode: "",
      profession: "",
      skillCode: "",
      skill: "",
      place: {
        organisation,
        service,
        ...this.street(),
        city: c.city,
        postalCode: c.postalCode,
        department: c.department,
        structureType: "3",
        structureId: `${c.department.slice(0, 2)}${r.digits(7)}`,
      },
    };
  }
}

function fixtureRows(f: FixtureEntry): string[] {
  const places = f.places?.length ? f.places : [{}];
  return places.map((p) =>
    formatRow({
      type: f.type ?? "PER",
      email: f.email,
      idNat: f.idNat ?? "",
      civility: f.civility ?? "",
      surname: f.surname ?? "",
      givenName: f.givenName ?? "",
      professionCode: f.professionCode ?? (f.profession ? "10" : ""),
      profession: f.profession ?? "",
      skillCode: f.specialty ? "SM00" : "",
      skill: f.specialty ?? "",
      place: {
        organisation: p.organisation ?? "",
        service: p.service ?? "",
        number: "",
        streetType: "",
        streetName: p.street ?? "",
        city: p.city ?? "",
        postalCode: p.postalCode ?? "",
        department: p.department ?? (p.postalCode ? p.postalCode.slice(0, 2) : ""),
        structureType: "",
        structureId: "",
      },
    }),
  );
}

/** The header line and the data lines (without line ends), in order. Deterministic. */
export function* extractionLines(opts: GenerateOptions = {}): Generator<string> {
  const total = Math.max(0, Math.floor(opts.lines ?? 2000));
  const gen = new DirectoryFaker(opts.seed ?? 1);
  const fixtures = opts.fixtures ?? [];
  for (const f of fixtures) gen.reserve(f.email);
  yield ALL_COLUMNS.join("|");
  // Fixtures are spread through the file (not all at the start) so merging and ranking see them
  // among ordinary lines.
  const fixtureLines = fixtures.map(fixtureRows);
  const fixtureCount = fixtureLines.reduce((n, l) => n + l.length, 0);
  const generated = Math.max(0, total - fixtureCount);
  const step = fixtureLines.length ? Math.max(1, Math.floor(generated / (fixtureLines.length + 1))) : Infinity;
  let nextFixture = 0;
  let emitted = 0;
  const rng = new Rng((opts.seed ?? 1) ^ 0x5eed);
  while (emitted < generated) {
    while (nextFixture < fixtureLines.length && emitted >= step * (nextFixture + 1)) {
      yield* fixtureLines[nextFixture++]!;
    }
    const u = rng.float();
    const rows = u < 0.848 ? gen.per().map(formatRow) : [formatRow(gen.org(u < 0.996 ? "ORG" : u < 0.998 ? "APP" : "CAB"))];
    for (const row of rows) {
      if (emitted >= generated) break;
      yield row;
      emitted++;
    }
  }
  while (nextFixture < fixtureLines.length) yield* fixtureLines[nextFixture++]!;
}

export interface GeneratedFile {
  file: string;
  lines: number;
  bytes: number;
}

/** Streams the extraction's lines into `out` in 4,096-line chunks, honouring back-pressure. */
async function pipeLines(out: NodeJS.WritableStream, opts: GenerateOptions): Promise<{ lines: number; bytes: number }> {
  const chunks: string[] = [];
  let lines = 0;
  let bytes = 0;
  const flush = async () => {
    const s = chunks.join("\n") + "\n";
    chunks.length = 0;
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, "drain");
  };
  for (const line of extractionLines(opts)) {
    chunks.push(line);
    lines++;
    if (chunks.length >= 4096) await flush();
  }
  if (chunks.length) await flush();
  return { lines, bytes };
}

/** Writes the extraction (LF line ends, like the published file) into `dir`. */
export async function writeExtraction(dir: string, opts: GenerateOptions & { zip?: boolean } = {}): Promise<GeneratedFile> {
  mkdirSync(dir, { recursive: true });
  const date = opts.date ?? "202611230300";
  const txtName = extractionFileName(date);
  if (opts.zip) {
    const zipFile = path.join(dir, txtName.replace(/\.txt$/, ".zip"));
    const zip = new yazl.ZipFile();
    const { PassThrough } = await import("node:stream");
    const pass = new PassThrough();
    zip.addReadStream(pass, txtName, { compress: true, mtime: new Date(0) });
    const out = createWriteStream(zipFile);
    zip.outputStream.pipe(out);
    zip.end();
    const counted = await pipeLines(pass, opts);
    pass.end();
    await once(out, "close");
    return { file: zipFile, ...counted };
  }
  const file = path.join(dir, txtName);
  const out = createWriteStream(file);
  const counted = await pipeLines(out, opts);
  out.end();
  await once(out, "close");
  return { file, ...counted };
}

/**
 * `generateExtraction({lines, seed, fixtures, zip, dir})` → the written file (in `dir`, else a new
 * temporary directory). For a stream of lines instead, use extractionLines(opts).
 */
export async function generateExtraction(opts: GenerateOptions & { zip?: boolean; dir?: string } = {}): Promise<GeneratedFile> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "mss-extraction-"));
  return writeExtraction(dir, opts);
}

// ---- command line ---------------------------------------------------------------------------------
async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes("--help")) {
    process.stdout.write("usage: generate-directory [--lines N] [--seed S] [--out DIR] [--date AAAAMMJJhhmm] [--zip] [--fixtures FILE.json]\n");
    return;
  }
  const lines = arg("--lines") === "full" ? FULL_SIZE_LINES : Number(arg("--lines") ?? 2000);
  const seed = Number(arg("--seed") ?? 1);
  if (!Number.isFinite(lines) || lines < 0 || !Number.isFinite(seed)) {
    process.stderr.write("--lines and --seed must be numbers\n");
    process.exit(2);
  }
  const date = arg("--date") ?? "202611230300";
  if (!/^\d{12}$/.test(date)) {
    process.stderr.write("--date must be AAAAMMJJhhmm\n");
    process.exit(2);
  }
  const fixturesFile = arg("--fixtures");
  const fixtures = fixturesFile ? (JSON.parse(readFileSync(fixturesFile, "utf8")) as FixtureEntry[]) : [];
  const res = await writeExtraction(arg("--out") ?? ".", { lines, seed, date, fixtures, zip: argv.includes("--zip") });
  process.stdout.write(`${res.file} (${res.lines} lines with header, ${res.bytes} bytes of text)\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}

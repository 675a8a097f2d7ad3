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
 *
 * Variety is close to the real file's, since the index's size, the import's memory and the search
 * latency depend on it: a fixed synthetic geography (~35,000 communes over the 101 departments,
 * postal codes consistent with their department, 2A/2B in Corsica, 97x overseas, big cities far
 * more frequent; the routing line written now in full, now the La Poste way "42000 ST ETIENNE"),
 * ~9,000 establishments (CHU, hospitals, clinics, laboratories, EHPAD…, ~5,000 mail domains), and
 * street lines drawn from a large space (people, saints, dates, trees, places, lieux-dits, roads to
 * other communes) with numbers, BIS/TER. A full-size run has ~250,000 distinct street names (type +
 * name, what the index keeps; ~310,000 with the numbers), ~29,000 communes in ~37,000 distinct
 * routing lines, ~5,000 domains. The geography does not depend on the seed; the mailboxes do.
 */
import { mulberry32 } from "./lib/mulberry32.ts";
import { createWriteStream, readFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import yazl from "yazl";
import { ALL_COLUMNS } from "../bridge/directory/import/columns.ts";
import { isMainModule } from "../bridge/platform/is-main-module.ts";

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
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Index drawn with probability proportional to its weight (`cum`: cumulative weights). */
  weighted(cum: Float64Array): number {
    const x = this.next() * cum[cum.length - 1]!;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function cumulative(weights: readonly number[]): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) c[i] = s += weights[i]!;
  return c;
}

// ---- vocabulary: people -------------------------------------------------------------------------
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
const GIVEN_M = [
  "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "François", "Thomas", "Julien", "Éric", "Laurent", "David", "Stéphane", "Olivier", "Christophe", "Frédéric",
  "Sébastien", "Antoine", "Jérôme", "Mathieu", "Hervé", "Bruno", "Jean-Pierre", "Jean-François", "Marc", "Benoît", "Rémi", "Loïc", "Gaël", "Hugo", "Mamadou", "Karim",
  "Patrick", "Daniel", "Bernard", "Christian", "Pascal", "Vincent", "Guillaume", "Romain", "Maxime", "Alexandre", "Arnaud", "Cédric", "Yannick", "Fabrice", "Thierry", "Didier",
  "Emmanuel", "Franck", "Gilles", "Jacques", "Lionel", "Ludovic", "Matthieu", "Raphaël", "Samuel", "Xavier", "Yves", "Adrien", "Baptiste", "Clément", "Damien", "Florian",
  "Grégoire", "Jonathan", "Kévin", "Lucas", "Mehdi", "Nabil", "Quentin", "Rachid", "Sylvain", "Théo", "Valentin", "Yann", "Bertrand", "Denis", "Dominique", "Gérard",
];
const GIVEN_F = [
  "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Christine", "Valérie", "Sandrine", "Céline", "Anne", "Julie", "Camille", "Émilie", "Hélène", "Aurélie",
  "Claire", "Laure", "Chloé", "Léa", "Manon", "Agnès", "Marie-Claire", "Anne-Sophie", "Béatrice", "Françoise", "Geneviève", "Maëlle", "Zoé", "Fatou", "Amélie", "Noémie",
  "Caroline", "Stéphanie", "Virginie", "Élodie", "Delphine", "Laetitia", "Karine", "Corinne", "Florence", "Martine", "Pascale", "Patricia", "Véronique", "Brigitte", "Monique", "Dominique",
  "Audrey", "Charlotte", "Clémence", "Elsa", "Estelle", "Gaëlle", "Inès", "Jeanne", "Juliette", "Lucie", "Margaux", "Mathilde", "Morgane", "Nadia", "Océane", "Pauline",
  "Sarah", "Solène", "Yasmine", "Aïcha", "Bérénice", "Cécile", "Églantine", "Fanny", "Hortense", "Joséphine", "Louise", "Marion", "Ophélie", "Rose", "Salomé", "Victoire",
];

/** [code, label] */
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

// ---- vocabulary: places ---------------------------------------------------------------------------

/** [department, communes (about), population in thousands] (INSEE orders of magnitude). */
const DEPARTMENTS: [string, number, number][] = [
  ["01", 393, 660], ["02", 799, 530], ["03", 317, 335], ["04", 198, 165], ["05", 162, 141], ["06", 163, 1095], ["07", 335, 330],
  ["08", 449, 270], ["09", 327, 153], ["10", 431, 310], ["11", 433, 375], ["12", 285, 280], ["13", 119, 2040], ["14", 528, 695],
  ["15", 246, 144], ["16", 364, 352], ["17", 463, 655], ["18", 287, 300], ["19", 279, 240], ["2A", 124, 160], ["2B", 236, 180],
  ["21", 698, 535], ["22", 348, 600], ["23", 256, 116], ["24", 503, 414], ["25", 571, 545], ["26", 363, 520], ["27", 585, 600],
  ["28", 365, 430], ["29", 277, 915], ["30", 351, 750], ["31", 586, 1415], ["32", 461, 192], ["33", 535, 1650], ["34", 342, 1190],
  ["35", 333, 1090], ["36", 241, 218], ["37", 272, 610], ["38", 512, 1280], ["39", 494, 260], ["40", 327, 415], ["41", 267, 330],
  ["42", 323, 765], ["43", 257, 228], ["44", 207, 1450], ["45", 325, 680], ["46", 313, 174], ["47", 319, 331], ["48", 152, 76],
  ["49", 177, 820], ["50", 446, 495], ["51", 613, 566], ["52", 426, 172], ["53", 240, 307], ["54", 591, 733], ["55", 499, 184],
  ["56", 249, 760], ["57", 725, 1045], ["58", 309, 203], ["59", 648, 2610], ["60", 679, 830], ["61", 385, 280], ["62", 890, 1460],
  ["63", 464, 665], ["64", 546, 685], ["65", 469, 230], ["66", 226, 480], ["67", 514, 1145], ["68", 366, 765], ["69", 267, 1880],
  ["70", 539, 235], ["71", 565, 550], ["72", 354, 565], ["73", 273, 437], ["74", 279, 830], ["75", 1, 2130], ["76", 708, 1255],
  ["77", 507, 1430], ["78", 259, 1450], ["79", 256, 375], ["80", 772, 570], ["81", 314, 390], ["82", 195, 262], ["83", 153, 1080],
  ["84", 151, 560], ["85", 255, 690], ["86", 266, 440], ["87", 195, 372], ["88", 507, 364], ["89", 423, 335], ["90", 101, 140],
  ["91", 194, 1300], ["92", 36, 1625], ["93", 40, 1650], ["94", 47, 1400], ["95", 184, 1250], ["971", 32, 385], ["972", 34, 360],
  ["973", 22, 285], ["974", 24, 870], ["976", 17, 280],
];

/**
 * Real cities: [name, postal codes, department, population in thousands, short name of its main
 * hospital's mail domain ("" = none of its own)]. The rest of the communes are synthesised.
 */
const CITIES: [string, string[], string, number, string][] = [
  ["Paris", ["75001", "75002", "75003", "75004", "75005", "75006", "75007", "75008", "75009", "75010", "75011", "75012", "75013", "75014", "75015", "75016", "75017", "75018", "75019", "75020"], "75", 2130, "aphp"],
  ["Marseille", ["13001", "13002", "13003", "13004", "13005", "13006", "13007", "13008", "13009", "13010", "13011", "13012", "13013", "13014", "13015", "13016"], "13", 870, "ap-hm"],
  ["Lyon", ["69001", "69002", "69003", "69004", "69005", "69006", "69007", "69008", "69009"], "69", 522, "chu-lyon"],
  ["Toulouse", ["31000", "31100", "31200", "31300", "31400", "31500"], "31", 504, "chu-toulouse"],
  ["Nice", ["06000", "06100", "06200", "06300"], "06", 342, "chu-nice"],
  ["Nantes", ["44000", "44100", "44200", "44300"], "44", 320, "chu-nantes"],
  ["Montpellier", ["34000", "34070", "34080", "34090"], "34", 302, "chu-montpellier"],
  ["Strasbourg", ["67000", "67100", "67200"], "67", 291, "chru-strasbourg"],
  ["Bordeaux", ["33000", "33100", "33200", "33300", "33800"], "33", 261, "chu-bordeaux"],
  ["Lille", ["59000", "59160", "59260", "59800"], "59", 236, "chru-lille"],
  ["Rennes", ["35000", "35200", "35700"], "35", 222, "chu-rennes"],
  ["Reims", ["51100"], "51", 180, "chu-reims"],
  ["Toulon", ["83000", "83100", "83200"], "83", 180, "chi-toulon"],
  ["Saint-Étienne", ["42000", "42100"], "42", 173, "chu-st-etienne"],
  ["Le Havre", ["76600", "76610", "76620"], "76", 166, "ch-havre"],
  ["Dijon", ["21000"], "21", 159, "chu-dijon"],
  ["Grenoble", ["38000", "38100"], "38", 158, "chu-grenoble"],
  ["Angers", ["49000", "49100"], "49", 157, "chu-angers"],
  ["Villeurbanne", ["69100"], "69", 154, "ch-villeurbanne"],
  ["Saint-Denis", ["97400", "97490"], "974", 153, "chu-reunion"],
  ["Nîmes", ["30000", "30900"], "30", 149, "chu-nimes"],
  ["Clermont-Ferrand", ["63000", "63100"], "63", 147, "chu-clermontferrand"],
  ["Aix-en-Provence", ["13090", "13100", "13290", "13540"], "13", 145, "ch-aix"],
  ["Le Mans", ["72000", "72100"], "72", 145, "ch-lemans"],
  ["Brest", ["29200"], "29", 139, "chu-brest"],
  ["Tours", ["37000", "37100", "37200"], "37", 137, "chu-tours"],
  ["Amiens", ["80000", "80080", "80090"], "80", 134, "chu-amiens"],
  ["Limoges", ["87000", "87100", "87280"], "87", 131, "chu-limoges"],
  ["Annecy", ["74000", "74370", "74600", "74940", "74960"], "74", 130, "ch-annecy"],
  ["Boulogne-Billancourt", ["92100"], "92", 121, ""],
  ["Perpignan", ["66000", "66100"], "66", 119, "ch-perpignan"],
  ["Besançon", ["25000"], "25", 119, "chu-besancon"],
  ["Metz", ["57000", "57050", "57070"], "57", 118, "chr-metz"],
  ["Orléans", ["45000", "45100"], "45", 116, "chr-orleans"],
  ["Rouen", ["76000", "76100"], "76", 114, "chu-rouen"],
  ["Saint-Denis", ["93200", "93210"], "93", 113, "ch-stdenis"],
  ["Argenteuil", ["95100"], "95", 111, "ch-argenteuil"],
  ["Montreuil", ["93100"], "93", 111, ""],
  ["Mulhouse", ["68100", "68200"], "68", 108, "ghrmsa"],
  ["Caen", ["14000"], "14", 106, "chu-caen"],
  ["Nancy", ["54000", "54100"], "54", 104, "chru-nancy"],
  ["Saint-Paul", ["97460"], "974", 105, ""],
  ["Tourcoing", ["59200"], "59", 98, "ch-tourcoing"],
  ["Roubaix", ["59100"], "59", 98, "ch-roubaix"],
  ["Nanterre", ["92000"], "92", 96, ""],
  ["Vitry-sur-Seine", ["94400"], "94", 95, ""],
  ["Créteil", ["94000"], "94", 92, "chi-creteil"],
  ["Avignon", ["84000"], "84", 91, "ch-avignon"],
  ["Poitiers", ["86000"], "86", 89, "chu-poitiers"],
  ["Aubervilliers", ["93300"], "93", 88, ""],
  ["Dunkerque", ["59140", "59240", "59640"], "59", 87, "ch-dunkerque"],
  ["Asnières-sur-Seine", ["92600"], "92", 87, ""],
  ["Aulnay-sous-Bois", ["93600"], "93", 86, ""],
  ["Colombes", ["92700"], "92", 86, ""],
  ["Versailles", ["78000"], "78", 85, "ch-versailles"],
  ["Saint-Pierre", ["97410"], "974", 85, ""],
  ["Courbevoie", ["92400"], "92", 82, ""],
  ["Le Tampon", ["97430"], "974", 80, ""],
  ["Rueil-Malmaison", ["92500"], "92", 79, ""],
  ["Béziers", ["34500"], "34", 79, "ch-béziers"],
  ["Cherbourg-en-Cotentin", ["50100", "50130"], "50", 78, "ch-cotentin"],
  ["Champigny-sur-Marne", ["94500"], "94", 77, ""],
  ["La Rochelle", ["17000"], "17", 77, "ch-larochelle"],
  ["Fort-de-France", ["97200"], "972", 76, "chu-martinique"],
  ["Pau", ["64000"], "64", 76, "ch-pau"],
  ["Saint-Maur-des-Fossés", ["94100", "94210"], "94", 75, ""],
  ["Cannes", ["06400", "06150"], "06", 74, "ch-cannes"],
  ["Antibes", ["06600", "06160"], "06", 73, "ch-antibes"],
  ["Drancy", ["93700"], "93", 72, ""],
  ["Ajaccio", ["20000", "20090"], "2A", 72, "ch-ajaccio"],
  ["Mérignac", ["33700"], "33", 72, ""],
  ["Saint-Nazaire", ["44600"], "44", 71, "ch-saintnazaire"],
  ["Mamoudzou", ["97600"], "976", 71, "chm-mayotte"],
  ["Issy-les-Moulineaux", ["92130"], "92", 68, ""],
  ["Noisy-le-Grand", ["93160"], "93", 68, ""],
  ["Colmar", ["68000"], "68", 67, "ch-colmar"],
  ["Calais", ["62100"], "62", 67, "ch-calais"],
  ["Évry-Courcouronnes", ["91000", "91080"], "91", 67, "chsf"],
  ["Vénissieux", ["69200"], "69", 66, ""],
  ["Cergy", ["95000", "95800"], "95", 66, ""],
  ["Valence", ["26000"], "26", 64, "ch-valence"],
  ["Bourges", ["18000"], "18", 64, "ch-bourges"],
  ["Pessac", ["33600"], "33", 64, ""],
  ["Levallois-Perret", ["92300"], "92", 64, ""],
  ["Cayenne", ["97300"], "973", 63, "ch-cayenne"],
  ["Quimper", ["29000"], "29", 63, "ch-quimper"],
  ["Ivry-sur-Seine", ["94200"], "94", 63, ""],
  ["La Seyne-sur-Mer", ["83500"], "83", 63, ""],
  ["Clichy", ["92110"], "92", 63, ""],
  ["Antony", ["92160"], "92", 62, ""],
  ["Villeneuve-d'Ascq", ["59491", "59650"], "59", 62, ""],
  ["Troyes", ["10000"], "10", 61, "ch-troyes"],
  ["Montauban", ["82000"], "82", 61, "ch-montauban"],
  ["Neuilly-sur-Seine", ["92200"], "92", 60, ""],
  ["Niort", ["79000"], "79", 59, "ch-niort"],
  ["Chambéry", ["73000"], "73", 59, "ch-metropole-savoie"],
  ["Pantin", ["93500"], "93", 59, ""],
  ["Sarcelles", ["95200"], "95", 58, ""],
  ["Lorient", ["56100"], "56", 57, "ghbs"],
  ["Beauvais", ["60000"], "60", 56, "ch-beauvais"],
  ["Narbonne", ["11100"], "11", 55, "ch-narbonne"],
  ["Meaux", ["77100"], "77", 55, "ghef"],
  ["Hyères", ["83400"], "83", 55, ""],
  ["Villejuif", ["94800"], "94", 55, ""],
  ["La Roche-sur-Yon", ["85000"], "85", 55, "chd-vendee"],
  ["Cholet", ["49300"], "49", 54, "ch-cholet"],
  ["Vannes", ["56000"], "56", 54, "ch-bretagne-atlantique"],
  ["Fréjus", ["83600"], "83", 54, ""],
  ["Les Abymes", ["97139"], "971", 53, ""],
  ["Saint-Quentin", ["02100"], "02", 53, "ch-stquentin"],
  ["Bobigny", ["93000"], "93", 53, ""],
  ["Bayonne", ["64100"], "64", 52, "ch-cotebasque"],
  ["Corbeil-Essonnes", ["91100"], "91", 51, ""],
  ["Arles", ["13200"], "13", 51, "ch-arles"],
  ["Grasse", ["06130"], "06", 50, "ch-grasse"],
  ["Albi", ["81000"], "81", 49, "ch-albi"],
  ["Martigues", ["13500"], "13", 49, "ch-martigues"],
  ["Laval", ["53000"], "53", 49, "ch-laval"],
  ["Bastia", ["20200", "20600"], "2B", 48, "ch-bastia"],
  ["Saint-Malo", ["35400"], "35", 47, "ch-stmalo"],
  ["Blois", ["41000"], "41", 47, "ch-blois"],
  ["Brive-la-Gaillarde", ["19100"], "19", 47, "ch-brive"],
  ["Évreux", ["27000"], "27", 47, "chi-eureseine"],
  ["Aubagne", ["13400"], "13", 47, ""],
  ["Carcassonne", ["11000"], "11", 46, "ch-carcassonne"],
  ["Charleville-Mézières", ["08000"], "08", 46, "ch-charleville"],
  ["Belfort", ["90000"], "90", 46, "hnfc"],
  ["Chalon-sur-Saône", ["71100"], "71", 45, "ch-chalon"],
  ["Salon-de-Provence", ["13300"], "13", 45, "ch-salon"],
  ["Les Sables-d'Olonne", ["85100"], "85", 45, ""],
  ["Mantes-la-Jolie", ["78200"], "78", 45, "chfq"],
  ["Saint-Laurent-du-Maroni", ["97320"], "973", 45, "chog"],
  ["Saint-Brieuc", ["22000"], "22", 44, "ch-stbrieuc"],
  ["Châlons-en-Champagne", ["51000"], "51", 44, "ch-chalons"],
  ["Sète", ["34200"], "34", 44, ""],
  ["Istres", ["13800"], "13", 44, ""],
  ["Saint-Germain-en-Laye", ["78100"], "78", 44, "chi-poissy"],
  ["Valenciennes", ["59300"], "59", 43, "ch-valenciennes"],
  ["Châteauroux", ["36000"], "36", 43, "ch-chateauroux"],
  ["Alès", ["30100"], "30", 42, "ch-ales"],
  ["Tarbes", ["65000"], "65", 42, "ch-tarbes"],
  ["Angoulême", ["16000"], "16", 42, "ch-angouleme"],
  ["Bourg-en-Bresse", ["01000"], "01", 42, "ch-bourg"],
  ["Castres", ["81100"], "81", 42, ""],
  ["Arras", ["62000"], "62", 41, "ch-arras"],
  ["Gap", ["05000"], "05", 41, "chicas"],
  ["Thionville", ["57100"], "57", 41, "chr-thionville"],
  ["Melun", ["77000"], "77", 41, "ghsif"],
  ["Compiègne", ["60200"], "60", 40, "ch-compiegne"],
  ["Douai", ["59500"], "59", 40, "ch-douai"],
  ["Montélimar", ["26200"], "26", 40, ""],
  ["Boulogne-sur-Mer", ["62200"], "62", 40, "ch-boulogne"],
  ["Draguignan", ["83300"], "83", 40, ""],
  ["Anglet", ["64600"], "64", 40, ""],
  ["Chartres", ["28000"], "28", 38, "ch-chartres"],
  ["Poissy", ["78300"], "78", 38, ""],
  ["Annemasse", ["74100"], "74", 37, "ch-alpes-leman"],
  ["Villefranche-sur-Saône", ["69400"], "69", 36, ""],
  ["Haguenau", ["67500"], "67", 35, ""],
  ["Roanne", ["42300"], "42", 35, "ch-roanne"],
  ["Saint-Chamond", ["42400"], "42", 35, ""],
  ["Auxerre", ["89000"], "89", 34, "ch-auxerre"],
  ["Mâcon", ["71000"], "71", 34, ""],
  ["Montluçon", ["03100"], "03", 34, ""],
  ["Romans-sur-Isère", ["26100"], "26", 33, ""],
  ["Agen", ["47000"], "47", 33, "ch-agen-nerac"],
  ["Nevers", ["58000"], "58", 33, "ch-nevers"],
  ["Cambrai", ["59400"], "59", 32, ""],
  ["Épinal", ["88000"], "88", 32, "ch-épinal"],
  ["Dreux", ["28100"], "28", 31, ""],
  ["Châtellerault", ["86100"], "86", 31, ""],
  ["Lens", ["62300"], "62", 31, "ch-lens"],
  ["Pontoise", ["95000", "95300"], "95", 31, "ght-novo"],
  ["Périgueux", ["24000"], "24", 30, "ch-perigueux"],
  ["Mont-de-Marsan", ["40000"], "40", 30, ""],
  ["Vienne", ["38200"], "38", 30, ""],
  ["Menton", ["06500"], "06", 30, ""],
  ["Saint-Étienne-du-Rouvray", ["76800"], "76", 29, "ch-rouvray"],
  ["Bourgoin-Jallieu", ["38300"], "38", 29, ""],
  ["Orange", ["84100"], "84", 29, ""],
  ["Carpentras", ["84200"], "84", 29, ""],
  ["Dieppe", ["76200"], "76", 28, ""],
  ["Soissons", ["02200"], "02", 28, ""],
  ["Bergerac", ["24100"], "24", 26, ""],
  ["Saumur", ["49400"], "49", 26, ""],
  ["Sens", ["89100"], "89", 26, ""],
  ["Vierzon", ["18100"], "18", 26, ""],
  ["Cavaillon", ["84300"], "84", 26, ""],
  ["Aurillac", ["15000"], "15", 25, "ch-aurillac"],
  ["Vichy", ["03200"], "03", 25, ""],
  ["Montbéliard", ["25200"], "25", 25, ""],
  ["Biarritz", ["64200"], "64", 25, ""],
  ["Saintes", ["17100"], "17", 25, ""],
  ["Laon", ["02000"], "02", 24, ""],
  ["Rodez", ["12000"], "12", 24, "ch-rodez"],
  ["Libourne", ["33500"], "33", 24, ""],
  ["Rochefort", ["17300"], "17", 24, ""],
  ["Dole", ["39100"], "39", 24, ""],
  ["Abbeville", ["80100"], "80", 23, ""],
  ["Saint-Dizier", ["52100"], "52", 23, ""],
  ["Auch", ["32000"], "32", 22, ""],
  ["Chaumont", ["52000"], "52", 22, ""],
  ["Millau", ["12100"], "12", 22, ""],
  ["Épernay", ["51200"], "51", 22, ""],
  ["Sainte-Foy-lès-Lyon", ["69110"], "69", 22, "ch-stefoy"],
  ["Manosque", ["04100"], "04", 22, ""],
  ["Dax", ["40100"], "40", 21, ""],
  ["Le Creusot", ["71200"], "71", 21, ""],
  ["Forbach", ["57600"], "57", 21, ""],
  ["Sarreguemines", ["57200"], "57", 21, ""],
  ["Challans", ["85300"], "85", 21, ""],
  ["Saint-Dié-des-Vosges", ["88100"], "88", 20, ""],
  ["Fougères", ["35300"], "35", 20, ""],
  ["Lisieux", ["14100"], "14", 20, ""],
  ["Beaune", ["21200"], "21", 20, ""],
  ["Lannion", ["22300"], "22", 20, ""],
  ["Le Puy-en-Velay", ["43000"], "43", 19, "ch-lepuy"],
  ["Cahors", ["46000"], "46", 19, ""],
  ["Saint-Lô", ["50000"], "50", 19, ""],
  ["Concarneau", ["29900"], "29", 19, ""],
  ["Moulins", ["03000"], "03", 19, ""],
  ["Riom", ["63200"], "63", 19, ""],
  ["Lons-le-Saunier", ["39000"], "39", 17, ""],
  ["Verdun", ["55100"], "55", 17, ""],
  ["Pontarlier", ["25300"], "25", 17, ""],
  ["L'Isle-d'Abeau", ["38080"], "38", 16, "ch-isle"],
  ["Digne-les-Bains", ["04000"], "04", 16, ""],
  ["Vesoul", ["70000"], "70", 15, ""],
  ["Bar-le-Duc", ["55000"], "55", 15, ""],
  ["Tulle", ["19000"], "19", 15, ""],
  ["Pointe-à-Pitre", ["97110"], "971", 15, "chu-guadeloupe"],
  ["Morlaix", ["29600"], "29", 15, ""],
  ["Guéret", ["23000"], "23", 13, ""],
  ["Mende", ["48000"], "48", 12, ""],
  ["Foix", ["09000"], "09", 9, ""],
  ["Privas", ["07000"], "07", 8, ""],
];

const RIVERS = [
  "Loire", "Seine", "Marne", "Saône", "Rhône", "Garonne", "Dordogne", "Lot", "Tarn", "Oise", "Aisne", "Meuse", "Moselle", "Vienne", "Cher",
  "Indre", "Allier", "Mer", "Yonne", "Sarthe", "Mayenne", "Orne", "Vire", "Aube", "Isère", "Drôme", "Durance", "Ain", "Doubs", "Ognon",
  "Lez", "Creuse", "Charente", "Adour", "Aude", "Hérault", "Gard", "Vézère", "Loir", "Eure", "Somme", "Authie", "Sèvre", "Vilaine", "Odet",
  "Blavet", "Rance", "Risle", "Touques", "Bresle", "Ourcq", "Essonne", "Yerres", "Loing", "Armançon", "Serein", "Ource", "Seille", "Orbe", "Arve",
];
const PAYS = [
  "Provence", "Bresse", "Argonne", "Vexin", "Auge", "Brie", "Forez", "Velay", "Champagne", "Caux", "Othe", "Royans", "Bugey", "Valromey",
  "Retz", "Mauges", "Bray", "Gâtinais", "Beauce", "Perche", "Sologne", "Berry", "Morvan", "Auxois", "Dombes", "Vercors", "Chartreuse",
  "Quercy", "Rouergue", "Périgord", "Médoc", "Béarn", "Bigorre", "Comminges", "Couserans", "Lauragais", "Minervois", "Corbières", "Cévennes",
  "Vivarais", "Diois", "Queyras", "Oisans", "Chablais", "Faucigny", "Genevois", "Saulnois", "Woëvre", "Barrois", "Thiérache", "Ternois",
];
const SAINTS_M = [
  "Martin", "Germain", "Jean", "Pierre", "Étienne", "Laurent", "Denis", "Julien", "Hilaire", "Cyr", "Genis", "Amand", "Aubin", "Médard",
  "Quentin", "Sulpice", "Brice", "Priest", "Michel", "Nicolas", "Jacques", "Paul", "André", "Louis", "Vincent", "Benoît", "Blaise", "Clair",
  "Éloi", "Fiacre", "Georges", "Gervais", "Gilles", "Honoré", "Léger", "Loup", "Marcel", "Maurice", "Ouen", "Patrice", "Roch", "Sauveur",
  "Sernin", "Symphorien", "Vallier", "Victor", "Yves", "Christophe", "Clément", "Didier", "Florent", "Félix", "Front", "Gaudens", "Just",
  "Lambert", "Luc", "Mamert", "Marc", "Omer", "Rémy", "Savin", "Sébastien", "Sever", "Thibault", "Vaast", "Vivien", "Barthélemy", "Bonnet",
  "Chamond", "Cloud", "Cyprien", "Désiré", "Égrève", "Firmin", "Galmier", "Gond", "Héand", "Isidore", "Jory", "Léonard", "Lizier", "Malo",
  "Nazaire", "Pons", "Porchaire", "Privat", "Rambert", "Romain", "Saturnin", "Seurin", "Thégonnec", "Urbain", "Valery", "Wandrille", "Xandre",
];
const SAINTS_F = [
  "Anne", "Marie", "Catherine", "Geneviève", "Marguerite", "Cécile", "Claire", "Foy", "Hélène", "Lucie", "Madeleine", "Odile", "Radegonde",
  "Solange", "Thérèse", "Agnès", "Barbe", "Colombe", "Eulalie", "Marthe", "Reine", "Savine", "Menehould", "Maxime", "Sévère", "Gemmes",
  "Luce", "Christine", "Croix", "Consorce", "Hermine", "Livrade", "Néomaye", "Pazanne", "Sigolène", "Tulle",
];
const ADJ_M = ["Château", "Grand", "Petit", "Vieux", "Comte", "Roi", "Haut", "Bas", "Neuf", "Franc", "Pin", "Bourg", "Moutier", "Marché"];
const ADJ_F = ["Forêt", "Ville", "Rivière", "Vallée", "Montagne", "Côte", "Garenne", "Fontaine", "Chapelle", "Tour", "Croix", "Motte"];
const TOWN_HEADS = [
  "Villeneuve", "Neuville", "Châteauneuf", "Fontaine", "Bourg", "Mesnil", "Pont", "Mont", "Villers", "Montigny", "Beaumont", "Villiers",
  "Fresnes", "Neuvy", "Bois", "Château", "Roche", "Pierre", "Saint-Martin", "Nogent", "Vitry", "Choisy", "Rosny", "Sainte-Marie", "Ville",
  "Mareuil", "Marcilly", "Bussy", "Champagne", "Aubigny", "Savigny", "Chavannes", "Rochefort", "Montreuil", "Clermont", "Vaux", "Brie",
];
const ARTICLE_HEADS = [
  "La Chapelle", "Le Mesnil", "Le Plessis", "La Ferté", "La Roche", "Les Essarts", "La Motte", "Le Bourg", "La Celle", "Le Vernet",
  "La Bastide", "La Salle", "Le Pont", "La Tour", "Le Château", "La Croix", "Le Puy", "La Garde", "Le Val", "Les Granges",
];
const PLURALS = ["Granges", "Essarts", "Loges", "Mées", "Baux", "Ulis", "Aix", "Herbiers", "Touches", "Pavillons", "Mureaux", "Clayes", "Ormes", "Rousses", "Arcs", "Salles", "Vans", "Eyzies", "Riceys", "Pieux"];
const ROOT_P = [
  "Beau", "Bel", "Bon", "Mont", "Pont", "Roche", "Ville", "Val", "Cham", "Bois", "Mar", "Fer", "Gar", "Lor", "Ros", "Sau", "Ver", "Cour", "Pra",
  "Bru", "Cas", "Dar", "Châtel", "Font", "Mes", "Lam", "Sar", "Aub", "Mor", "Vil", "Mau", "Cler", "Vau", "Mon", "Ar", "Es", "Ben", "Gou",
  "Brou", "Char", "Chau", "Cor", "Lu", "Mal", "Mer", "Nor", "Or", "Per", "Pier", "Quin", "Sen", "Sou", "Tor", "Vaux", "Vi", "Aig", "Alb",
  "Aut", "Bar", "Bau", "Bla", "Bour", "Cha", "Cou", "Cré", "Dom", "Éper", "Fla", "Gen", "Gi", "Hau", "Jou", "La", "Lé", "Li", "Ma", "Mé",
  "Neu", "Pa", "Ré", "Sa", "Sé", "Ta", "Thi", "Va", "Ay", "Bé", "Cé", "Do", "Ga", "Jo", "Lo", "No", "Po", "Ro", "Sol", "Tou", "Vé",
];
const ROOT_M = ["", "", "", "", "", "a", "e", "i", "o", "an", "en", "er", "el", "on", "ou", "in", "ar", "is", "ur", "il", "ol", "ign", "ess", "ab"];
const ROOT_S = [
  "ville", "court", "mont", "val", "champ", "fort", "lieu", "bourg", "ac", "an", "y", "ieux", "ières", "ay", "é", "ignac", "argues", "ange",
  "ois", "oux", "ès", "as", "ouse", "elles", "enne", "in", "on", "ard", "ette", "eau", "ans", "euil", "ly", "ny", "gny", "vic", "nac", "bec",
  "quier", "ivy", "ère", "aine", "ent", "at", "et", "ieu", "illy", "ogne", "onne", "oy", "ry", "sac", "tot", "villers", "ecourt", "ancourt",
  "igny", "ainville", "onville", "erre", "ise", "aux", "oles", "uzes", "ignan", "ols", "ède", "ey",
];
/** Regional flavours: [departments, prefixes, suffixes]. */
const REGIONS: [string[], string[], string[]][] = [
  [["22", "29", "35", "56"], ["Plou", "Ker", "Lan", "Tré", "Gui", "Plé", "Lo", "Pen", "Loc", "Ploe", "Ploum", "Tre", "Le", "Lann", "Pleu"],
    ["gastel", "guer", "ven", "nevez", "dern", "ec", "ou", "an", "arzel", "mergat", "hinec", "bihan", "lédern", "vel", "lann", "ouët", "rivoal", "ézec", "goat", "ern", "iau", "ic"]],
  [["57", "67", "68"], ["Ober", "Nieder", "Mittel", "Alt", "Neu", "Schwei", "Hoch", "Berg", "Ross", "Wald", "Stein", "Muhl", "Eck", "Hatt", "Lauter", "Ingwi", "Wiss", "Ham", "Bisch", "Ett", "Hom"],
    ["heim", "willer", "dorf", "bach", "hoffen", "hausen", "holtz", "feld", "stein", "bourg", "ange", "viller", "kirch", "weiler", "brunn", "thal", "ing", "ach"]],
  [["59", "62", "80", "02"], ["Hon", "Wat", "Hazé", "Stee", "Wor", "Bou", "Hor", "Ber", "Eps", "Ha", "Es", "Wam", "Hou", "Gon", "Bé", "Fré", "Qué", "Ren"],
    ["ghem", "hem", "court", "becque", "inghem", "ecques", "val", "ville", "aing", "ies", "elle", "ain", "ecourt", "eux", "ont", "es", "ercq", "erque"]],
  [["09", "11", "12", "24", "30", "31", "32", "33", "34", "40", "46", "47", "64", "65", "66", "81", "82"], ["Cas", "Mon", "Lab", "Pey", "Gaud", "Mir", "Lau", "Bag", "Aig", "Esp", "Sal", "Cap", "Bal", "Gar", "Mau", "Ar", "Pu"],
    ["ac", "an", "argues", "ax", "os", "ous", "ès", "at", "eil", "ade", "ignan", "enx", "iès", "ats", "ens", "ols", "ère", "ouillac", "eyrac", "ejac", "aguet"]],
];

// ---- vocabulary: streets --------------------------------------------------------------------------
/** Street types with their weights (rue far ahead). */
const STREET_TYPES: [string, number][] = [
  ["RUE", 46], ["AVENUE", 12], ["BOULEVARD", 6], ["CHEMIN", 7], ["IMPASSE", 5], ["ALLÉE", 5], ["PLACE", 5], ["ROUTE", 6], ["QUAI", 1.5],
  ["COURS", 1], ["SQUARE", 1], ["RÉSIDENCE", 1.5], ["LOTISSEMENT", 1], ["PASSAGE", 0.8], ["SENTIER", 0.5], ["VOIE", 0.5], ["RUELLE", 0.6],
  ["MONTÉE", 0.5], ["ESPLANADE", 0.3], ["PROMENADE", 0.3], ["HAMEAU", 0.6], ["CITÉ", 0.5], ["FAUBOURG", 0.4], ["ROND-POINT", 0.3], ["PARVIS", 0.2],
];
const STREET_TYPE_CUM = cumulative(STREET_TYPES.map((t) => t[1]));
const FAMOUS = [
  "DE LA RÉPUBLIQUE", "VICTOR HUGO", "JEAN JAURÈS", "DU GÉNÉRAL DE GAULLE", "PASTEUR", "GAMBETTA", "NATIONALE", "DE LA LIBÉRATION", "ÉMILE ZOLA",
  "DE VERDUN", "CARNOT", "FOCH", "ARISTIDE BRIAND", "JULES FERRY", "DE LA PAIX", "MARCEL PAGNOL", "LOUIS PASTEUR", "D'ALSACE-LORRAINE",
  "GEORGES CLEMENCEAU", "JEAN MOULIN", "DU MARÉCHAL LECLERC", "ANATOLE FRANCE", "PIERRE CURIE", "MARIE CURIE", "ALBERT CAMUS",
  "JEAN DE LA FONTAINE", "MOLIÈRE", "VOLTAIRE", "JEAN-JACQUES ROUSSEAU", "SALVADOR ALLENDE", "PABLO PICASSO", "CHARLES DE GAULLE",
  "DES DROITS DE L'HOMME", "DE L'EUROPE", "DES ANCIENS COMBATTANTS", "DE LA RÉSISTANCE", "DES DÉPORTÉS", "DU MARÉCHAL FOCH",
  "DU PRÉSIDENT WILSON", "DE STALINGRAD", "GUY MÔQUET", "LÉON BLUM", "PAUL VAILLANT-COUTURIER", "GABRIEL PÉRI", "DENIS PAPIN",
  "ANDRÉ MALRAUX", "GEORGE SAND", "FRÉDÉRIC MISTRAL", "JEANNE D'ARC", "HENRI BARBUSSE", "ROBESPIERRE", "DANTON", "MIRABEAU", "LAMARTINE",
  "CHATEAUBRIAND", "BEAUMARCHAIS", "RABELAIS", "MONTAIGNE", "RONSARD", "ALPHONSE DAUDET", "PAUL BERT", "ERNEST RENAN", "EDGAR QUINET",
  "JULES VERNE", "ÉDOUARD HERRIOT", "ROGER SALENGRO", "MAURICE RAVEL", "CLAUDE DEBUSSY", "HECTOR BERLIOZ", "GEORGES BRASSENS",
  "JACQUES PRÉVERT", "PAUL ÉLUARD", "LOUIS ARAGON", "SIMONE VEIL", "NELSON MANDELA", "MARTIN LUTHER KING", "ANTOINE DE SAINT-EXUPÉRY",
  "DE L'ARMISTICE", "DE LA MARNE", "DE LA SOMME", "DE BIR-HAKEIM", "DU DOCTEUR SCHWEITZER", "DU DOCTEUR ROUX", "AMBROISE PARÉ",
  "CLAUDE BERNARD", "LOUIS BRAILLE", "ALEXANDRE DUMAS", "GUSTAVE FLAUBERT", "STENDHAL", "BALZAC", "ARTHUR RIMBAUD", "PAUL VERLAINE",
  "CHARLES BAUDELAIRE", "JEAN GIONO", "COLETTE", "OLYMPE DE GOUGES", "LOUISE MICHEL", "LUCIE AUBRAC", "PIERRE BROSSOLETTE",
];
const TITLES = [
  "DU DOCTEUR", "DU GÉNÉRAL", "DU MARÉCHAL", "DU PRÉSIDENT", "DE L'ABBÉ", "DU COMMANDANT", "DU PROFESSEUR", "DU COLONEL", "DU CAPITAINE",
  "DU LIEUTENANT", "DU PÈRE", "DU CHANOINE", "DE L'AMIRAL", "DU SERGENT", "DU PASTEUR", "DU CARDINAL", "DU MAIRE", "DE L'ADJUDANT", "DU SÉNATEUR",
];
const MONTHS = ["JANVIER", "FÉVRIER", "MARS", "AVRIL", "MAI", "JUIN", "JUILLET", "AOÛT", "SEPTEMBRE", "OCTOBRE", "NOVEMBRE", "DÉCEMBRE"];
const DATES = ["DU 8 MAI 1945", "DU 11 NOVEMBRE 1918", "DU 14 JUILLET", "DU 19 MARS 1962", "DU 4 SEPTEMBRE", "DU 18 JUIN 1940", "DU 24 FÉVRIER 1848", "DU 4 AOÛT 1789", "DU 22 SEPTEMBRE", "DU 6 JUIN 1944", "DU 25 AOÛT 1944"];
const YEARS = ["1944", "1944", "1944", "1945", "1918", "1870", "1789", "1848", "1914", "1940", "1962", "1830", "1871"];
const TREES = [
  "TILLEULS", "LILAS", "ROSES", "CHÊNES", "PEUPLIERS", "ACACIAS", "MIMOSAS", "GLYCINES", "PLATANES", "MARRONNIERS", "ÉRABLES", "FRÊNES",
  "BOULEAUX", "SAULES", "CERISIERS", "POMMIERS", "NOISETIERS", "CHÂTAIGNIERS", "OLIVIERS", "PINS", "SAPINS", "CÈDRES", "CYPRÈS", "HÊTRES",
  "ORMES", "AUBÉPINES", "BLEUETS", "COQUELICOTS", "JONQUILLES", "VIOLETTES", "PRIMEVÈRES", "MUGUETS", "LAURIERS", "MAGNOLIAS", "HORTENSIAS",
  "CAMÉLIAS", "TULIPES", "IRIS", "ŒILLETS", "MYOSOTIS", "GENÊTS", "BRUYÈRES", "FOUGÈRES", "AJONCS", "VIGNES", "ORANGERS", "AMANDIERS",
  "FIGUIERS", "NOYERS", "MÛRIERS", "CHARMES", "SORBIERS", "PRUNIERS", "POIRIERS", "JASMINS", "LAVANDES", "PIVOINES", "DAHLIAS", "CAPUCINES",
];
const PLACES_NAMES = [
  "DE LA GARE", "DE L'ÉGLISE", "DU MOULIN", "DU CHÂTEAU", "DE LA MAIRIE", "DES ÉCOLES", "DU STADE", "DU CIMETIÈRE", "DE LA POSTE",
  "DU LAVOIR", "DU PRESBYTÈRE", "DE LA FONTAINE", "DU PONT", "DU PORT", "DE LA PLAGE", "DU MARCHÉ", "DES HALLES", "DU CENTRE",
  "DE LA CROIX", "DU CALVAIRE", "DU FOUR", "DE LA FORGE", "DU PUITS", "DE LA CHAPELLE", "DU PRIEURÉ", "DE L'ABBAYE", "DU COLLÈGE",
  "DU LYCÉE", "DE L'HÔPITAL", "DE LA CASERNE", "DE LA FERME", "DES JARDINS", "DU PARC", "DU BOIS", "DES PRÉS", "DES CHAMPS", "DES VERGERS",
  "DE LA RIVIÈRE", "DU CANAL", "DE L'ÉTANG", "DU LAC", "DE LA COLLINE", "DU COTEAU", "DE LA VALLÉE", "DU PLATEAU", "DES CARRIÈRES",
  "DES TANNEURS", "DES TISSERANDS", "DES FORGERONS", "DES POTIERS", "DU PRESSOIR", "DES MOINES", "DU TEMPLE", "DE LA HALLE", "DE LA TOUR",
  "DES REMPARTS", "DE LA PORTE", "DU BELVÉDÈRE", "DES ARTISANS", "DE L'INDUSTRIE", "DU COMMERCE", "DE L'AVENIR", "DES SPORTS", "DU VIADUC",
  "DE LA DIGUE", "DES DUNES", "DU PHARE", "DE LA MER", "DES SOURCES", "DES THERMES", "DE LA BASCULE", "DU MANOIR", "DU BOURG", "DES ARÈNES",
];
const FEATURES = ["CHÊNE", "MOULIN", "PUITS", "CHAMP", "BOIS", "PRÉ", "CLOS", "MAS", "PONT", "MONT", "VAL", "FOUR", "CHEMIN", "ROCHER", "MARAIS", "CHÂTEAU", "JARDIN", "PORTAIL"];
const FEATURE_ADJ = ["VERT", "BLANC", "NEUF", "VIEUX", "HAUT", "BAS", "GRAND", "PETIT", "ROND", "JOLI", "ROUGE", "FLEURI", "CREUX", "LONG", "NOIR", "SEC", "DORÉ", "BRÛLÉ"];
const LIEUDIT_HEADS = ["DU CLOS", "DES HAUTS DE", "DU DOMAINE DE", "DU PARC DE", "DE LA CÔTE", "DU CHAMP", "DES JARDINS DE", "DU COTEAU DE", "DU MAS", "DE LA FERME DE"];
/** Street types that lead somewhere: "ROUTE DE <commune>". */
const ROAD_TYPES = ["ROUTE", "ROUTE", "ROUTE", "CHEMIN", "CHEMIN", "AVENUE", "RUE", "RUE", "ANCIENNE ROUTE", "VIEUX CHEMIN", "BOULEVARD"];

// ---- vocabulary: organisations ----------------------------------------------------------------------
/** [label, mailbox name] */
const SERVICES: [string, string][] = [
  ["Secrétariat médical", "secretariat"], ["Service des urgences", "urgences"], ["Pharmacie à usage intérieur", "pharmacie"],
  ["Laboratoire de biologie médicale", "laboratoire"], ["Service d'imagerie médicale", "imagerie"], ["Département d'information médicale", "dim"],
  ["Maternité", "maternite"], ["Bloc opératoire", "bloc"], ["Service de psychiatrie adulte", "psychiatrie"], ["Consultations externes", "consultations"],
  ["Service de néphrologie-dialyse", "dialyse"], ["Service de médecine interne", "medecine-interne"], ["Service de chirurgie ambulatoire", "ambulatoire"],
  ["Soins de suite et de réadaptation", "ssr"], ["Unité de soins palliatifs", "soins-palliatifs"], ["Équipe mobile de gériatrie", "emg"],
  ["Service de réanimation", "reanimation"], ["Hôpital de jour", "hdj"], ["Centre de planification familiale", "planification"],
  ["Service de médecine nucléaire", "medecine-nucleaire"], ["Anatomie et cytologie pathologiques", "anapath"], ["Service social", "service-social"],
  ["Bureau des admissions", "admissions"], ["Direction des affaires médicales", "dam"], ["Cellule d'identitovigilance", "identitovigilance"],
  ["Service d'addictologie", "addictologie"], ["Centre de lutte antituberculeuse", "clat"], ["Permanence d'accès aux soins de santé", "pass"],
  ["Service de pédopsychiatrie", "pedopsychiatrie"], ["Unité de chirurgie ambulatoire", "uca"], ["Service de soins infirmiers à domicile", "ssiad"],
  ["Hospitalisation à domicile", "had"], ["Service de santé au travail", "sante-travail"], ["Centre de la douleur", "douleur"],
  ...MEDICAL_SPECIALTIES.filter(([c]) => c !== "SM54").map(([, l]): [string, string] => [`Service de ${l.charAt(0).toLowerCase()}${l.slice(1)}`, slug(l.split(/[ -]/)[0]!)]),
];
/** Names of university hospital sites (combined at random with the cities). */
const HOSPITAL_SITES = [
  "Saint-Louis", "Lariboisière", "Bichat", "Necker", "Cochin", "Pitié-Salpêtrière", "Tenon", "Saint-Antoine", "Bicêtre", "Beaujon",
  "Édouard Herriot", "de la Croix-Rousse", "Pellegrin", "Haut-Lévêque", "Purpan", "Rangueil", "Pasteur", "de l'Archet", "Hôtel-Dieu",
  "Nord", "Sud", "de la Timone", "de la Conception", "Sainte-Marguerite", "Gui de Chauliac", "Lapeyronie", "Hautepierre", "Charles Nicolle",
  "Pontchaillou", "Trousseau", "Robert Debré", "Jean Minjoz", "Bretonneau", "Morvan", "de la Cavale Blanche", "Roger Salengro",
  "Claude Huriez", "Jeanne de Flandre", "Michallon", "Laennec", "Saint-Jacques", "Dupuytren", "Gabriel Montpied", "Estaing", "de Brabois",
  "Central", "Côte de Nacre", "Carémeau", "Ambroise Paré", "Avicenne", "Jean Verdier", "Louis Mourier", "Henri Mondor", "Antoine Béclère",
];
const ORG_BOXES = ["secretariat", "accueil", "contact", "direction", "sec", "cadre", "rdv", "courrier", "medecins", "resultats", "infirmiers", "coordination"];
const SOFTWARE = ["Résultats laboratoire", "Comptes rendus imagerie", "Dossier patient", "Messagerie DMP", "Lettres de liaison", "Comptes rendus opératoires", "Ordonnances de sortie", "Résultats d'anatomopathologie", "Télétransmission"];

interface Kind {
  key: string;
  weight: number;
  /** Mail domain prefix and the establishment's size (how many mailboxes and staff it draws). */
  prefix: string;
  size: number;
  /** Minimum population of the commune (thousands). */
  minPop: number;
  hospital: boolean;
}
const KINDS: Kind[] = [
  { key: "ch", weight: 7, prefix: "ch", size: 60, minPop: 6, hospital: true },
  { key: "chi", weight: 1, prefix: "chi", size: 70, minPop: 15, hospital: true },
  { key: "hl", weight: 2, prefix: "hl", size: 10, minPop: 1.5, hospital: true },
  { key: "chs", weight: 1, prefix: "chs", size: 30, minPop: 10, hospital: true },
  { key: "clinique", weight: 12, prefix: "clinique", size: 22, minPop: 5, hospital: true },
  { key: "polyclinique", weight: 3, prefix: "polyclinique", size: 30, minPop: 15, hospital: true },
  { key: "hp", weight: 3, prefix: "hp", size: 30, minPop: 20, hospital: true },
  { key: "ehpad", weight: 30, prefix: "ehpad", size: 3, minPop: 0.8, hospital: false },
  { key: "lbm", weight: 12, prefix: "labo", size: 5, minPop: 3, hospital: false },
  { key: "imagerie", weight: 7, prefix: "imagerie", size: 5, minPop: 5, hospital: false },
  { key: "cds", weight: 8, prefix: "cds", size: 6, minPop: 2, hospital: false },
  { key: "cmp", weight: 5, prefix: "cmp", size: 4, minPop: 5, hospital: false },
  { key: "ssr", weight: 4, prefix: "ssr", size: 8, minPop: 1, hospital: true },
  { key: "dialyse", weight: 2, prefix: "dialyse", size: 4, minPop: 10, hospital: false },
  { key: "msp", weight: 6, prefix: "msp", size: 3, minPop: 0.5, hospital: false },
];
const KIND_CUM = cumulative(KINDS.map((k) => k.weight));

const CIVILITY_EMPTY_RATE = 0.03;

// ---- text helpers ---------------------------------------------------------------------------------
export function extractionFileName(date: string): string {
  return `Extraction_Correspondance_MSSante_${date}.txt`;
}

/**
 * The date written when none is given: fixtures that must stay byte-identical (tests, benchmarks)
 * keep it, and nothing compares it with today. Anything a person or a test sees as "today's
 * directory" (the end-to-end environment, the demo) is dated at run time with extractionStamp().
 */
export const FIXED_EXTRACTION_DATE = "202611230300";

/** "AAAAMMJJhhmm" in UTC, as the published file's name dates it: an extraction made at `at`. */
export function extractionStamp(at: Date): string {
  const iso = at.toISOString(); // 2026-11-23T03:00:12.345Z
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
}

function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

function stripAccents(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return s.replace(/Œ/g, "OE").replace(/œ/g, "oe").replace(/Æ/g, "AE").replace(/æ/g, "ae").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
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

function slug(s: string): string {
  return stripAccents(s.toLowerCase())
    .replace(/ø/g, "o")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** La Poste routing-line form (AFNOR NF Z10-011): capitals, no accents, no hyphens, SAINT → ST. */
function routingForm(name: string): string {
  return stripAccents(name.toUpperCase())
    .replace(/['’-]/g, " ")
    .replace(/\bSAINTE\b/g, "STE")
    .replace(/\bSAINT\b/g, "ST")
    .replace(/\s+/g, " ")
    .trim();
}

/** "de Lyon", "d'Annecy", "du Mans", "des Sables-d'Olonne", "de La Rochelle". */
function ofPlace(name: string): string {
  if (name.startsWith("Le ")) return `du ${name.slice(3)}`;
  if (name.startsWith("Les ")) return `des ${name.slice(4)}`;
  return /^[AEIOUYÉÈÊÎÔH]/.test(name) && !/^H[aeo]/.test(name) ? `d'${name}` : `de ${name}`;
}

// ---- geography (fixed: the same for every seed) ----------------------------------------------------
interface Commune {
  name: string;
  department: string;
  postalCodes: string[];
  /** Population (thousands). */
  pop: number;
  /** The routing line's city part: as written by most lines, and the other form. */
  form: string;
  otherForm: string;
  slug: string;
  /** Real city's hospital domain short name ("" = none). */
  hosp: string;
}

interface Establishment {
  name: string;
  kind: Kind;
  commune: Commune;
  postalCode: string;
  cityLine: string;
  number: string;
  complement: string;
  streetType: string;
  streetName: string;
  l2: string;
  l3: string;
  domain: string;
  finess: string;
  size: number;
}

interface Geography {
  communes: Commune[];
  communeCum: Float64Array;
  byDepartment: Map<string, { communes: Commune[]; cum: Float64Array }>;
  establishments: Establishment[];
  establishmentCum: Float64Array;
  /** Hospitals only (staff of a hospital). */
  hospitals: Establishment[];
  hospitalCum: Float64Array;
}

const GEOGRAPHY_SEED = 0x6e0_2026;
let geography: Geography | null = null;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const VOWEL_END = /[aeiouyéèê]$/i;
const VOWEL_START = /^[aeiouyéèê]/i;

/** Joins syllables; two vowels meeting get a consonant between them ("Beau" + "igny" → "Beaurigny"). */
function joinSyllables(r: Rng, parts: string[]): string {
  let out = "";
  for (const p of parts) {
    if (!p) continue;
    out += out && VOWEL_END.test(out) && VOWEL_START.test(p) ? r.pick(["r", "n", "l", "v", "s", "m"]) + p : p;
  }
  return out;
}

function communeRoot(r: Rng, department: string): string {
  const region = REGIONS.find(([ds]) => ds.includes(department));
  if (region && r.chance(0.55)) return capitalise(joinSyllables(r, [r.pick(region[1]), r.pick(ROOT_M), r.pick(region[2])]));
  return capitalise(joinSyllables(r, [r.pick(ROOT_P), r.pick(ROOT_M), r.pick(ROOT_S)]));
}

/** "DE X" / "D'X" (capitals). */
function deName(head: string, word: string): string {
  return head.endsWith(" DE") && VOWEL_START.test(word) ? `${head.slice(0, -2)}D'${word}` : `${head} ${word}`;
}

function saintName(r: Rng): string {
  return r.chance(0.8) ? `Saint-${r.pick(SAINTS_M)}` : `Sainte-${r.pick(SAINTS_F)}`;
}

function communeQualifier(r: Rng, department: string): string {
  const u = r.float();
  if (u < 0.3) return `sur-${r.pick(RIVERS)}`;
  if (u < 0.45) {
    const root = communeRoot(r, department);
    return /^[AEIOUYÉÈ]/.test(root) ? `d'${root}` : `de-${root}`;
  }
  if (u < 0.57) return `en-${r.pick(PAYS)}`;
  if (u < 0.7) return `le-${r.pick(ADJ_M)}`;
  if (u < 0.8) return `la-${r.pick(ADJ_F)}`;
  if (u < 0.88) return `lès-${communeRoot(r, department)}`;
  if (u < 0.93) return r.pick(["les-Bains", "les-Vignes", "les-Dames", "les-Bois", "les-Pins", "des-Bois", "des-Champs", "du-Bois", "des-Prés"]);
  return `sous-${r.pick(["Bois", "Roche", "Montagne", "Forêt", "Mont", communeRoot(r, department)])}`;
}

function communeName(r: Rng, department: string): string {
  const u = r.float();
  if (u < 0.42) return communeRoot(r, department);
  if (u < 0.48) return saintName(r);
  if (u < 0.56) return `${saintName(r)}-${communeQualifier(r, department)}`;
  if (u < 0.66) return `${communeRoot(r, department)}-${communeQualifier(r, department)}`;
  if (u < 0.76) {
    const head = r.pick(TOWN_HEADS);
    return `${head}-${r.chance(0.5) ? communeQualifier(r, department) : communeRoot(r, department)}`;
  }
  if (u < 0.8) return `${r.chance(0.5) ? "Le" : "La"} ${communeRoot(r, department)}`;
  if (u < 0.82) return `Les ${r.pick(PLURALS)}${r.chance(0.5) ? "" : `-${communeQualifier(r, department)}`}`;
  if (u < 0.94) {
    const head = r.pick(ARTICLE_HEADS);
    const tail = r.chance(0.35) ? saintName(r) : r.chance(0.6) ? communeRoot(r, department) : communeQualifier(r, department);
    return `${head}-${tail}`;
  }
  return `${communeRoot(r, department)}-et-${communeRoot(r, department)}`;
}

/** A postal code of the department: 01250, 2A → 20xxx (200–201), 2B → 20xxx (202–206), 97411. */
function postalCodeIn(r: Rng, department: string): string {
  if (department === "2A") return `20${String(r.int(2))}${r.int(10)}0`;
  if (department === "2B") return `20${String(2 + r.int(5))}${r.int(10)}0`;
  if (department.length === 3) return `${department}${r.int(10)}${r.chance(0.7) ? 0 : r.int(10)}`;
  return `${department}${1 + r.int(9)}${r.int(10)}${r.chance(0.85) ? 0 : r.int(10)}`;
}

function makeCommune(name: string, department: string, postalCodes: string[], pop: number, hosp: string, laPoste: boolean): Commune {
  const full = name.toUpperCase();
  const routing = routingForm(name);
  return {
    name,
    department,
    postalCodes,
    pop,
    form: laPoste ? routing : full,
    otherForm: laPoste ? full : routing,
    slug: slug(name),
    hosp,
  };
}

function buildCommunes(r: Rng): Commune[] {
  const communes: Commune[] = [];
  for (const [dept, count, popK] of DEPARTMENTS) {
    const real = CITIES.filter((c) => c[2] === dept);
    for (const [name, cps, , pop, hosp] of real) communes.push(makeCommune(name, dept, cps, pop, hosp, r.chance(0.5)));
    const n = Math.max(0, count - real.length);
    if (!n) continue;
    // Most communes are villages (median ~450 inhabitants), a few are towns: log-normal sizes,
    // scaled so the department's population adds up.
    const sizes = Array.from({ length: n }, () => Math.exp(Math.log(0.45) + 1.1 * r.normal()));
    const rest = Math.max(popK * 0.35, popK - real.reduce((s, c) => s + c[3], 0));
    const total = sizes.reduce((a, b) => a + b, 0);
    const names = new Set(real.map((c) => c[0]));
    for (let i = 0; i < n; i++) {
      let name = communeName(r, dept);
      for (let k = 0; names.has(name) && k < 5; k++) name = communeName(r, dept);
      if (names.has(name)) continue;
      names.add(name);
      const pop = Math.min(60, (sizes[i]! * rest) / total);
      const cps = [postalCodeIn(r, dept)];
      if (pop > 25 && r.chance(0.5)) cps.push(postalCodeIn(r, dept));
      communes.push(makeCommune(name, dept, cps, pop, "", r.chance(0.6)));
    }
  }
  return communes;
}

/** Health professionals gather in towns: a commune's share grows a little faster than its size. */
function communeWeight(c: Commune): number {
  const w = Math.pow(c.pop, 0.95);
  return c.name === "Paris" && c.department === "75" ? w * 3 : c.hosp ? w * 1.5 : w;
}

function streetTypeOf(r: Rng): string {
  return STREET_TYPES[r.weighted(STREET_TYPE_CUM)]![0];
}

function establishmentName(r: Rng, kind: Kind, c: Commune, surname: () => string): string {
  const of = ofPlace(c.name);
  switch (kind.key) {
    case "ch":
      return r.chance(0.8) ? `Centre hospitalier ${of}` : `Centre hospitalier ${r.pick(["Jacques Cœur", "Émile Roux", "Louis Pasteur", "Pierre Oudot", "Simone Veil", "Robert Ballanger", "Victor Dupouy", "Henri Mondor", "Jean Monnet", "Sud Francilien"])} ${of}`;
    case "chi":
      return `Centre hospitalier intercommunal ${of}`;
    case "hl":
      return r.chance(0.5) ? `Hôpital local ${of}` : `Centre hospitalier de proximité ${of}`;
    case "chs":
      return r.chance(0.5) ? `Centre hospitalier spécialisé ${of}` : `Établissement public de santé mentale ${of}`;
    case "clinique": {
      const u = r.float();
      if (u < 0.3) return `Clinique ${saintName(r)}`;
      if (u < 0.5) return `Clinique ${r.pick(["du Parc", "du Val", "des Cèdres", "des Lilas", "du Pont", "de l'Union", "du Château", "des Alpes", "du Littoral", "de la Source", "du Mail", "des Fontaines", "Pasteur", "Bel-Air", "Beau Soleil", "Belledonne", "de la Croix Blanche"])}`;
      if (u < 0.75) return `Clinique ${of}`;
      return `Clinique ${titleCase(r.pick(TREES))}`;
    }
    case "polyclinique":
      return r.chance(0.5) ? `Polyclinique ${of}` : `Polyclinique ${saintName(r)}`;
    case "hp":
      return r.chance(0.6) ? `Hôpital privé ${of}` : `Hôpital privé ${r.pick(["Jean Mermoz", "Jacques Cartier", "Nord Parisien", "des Peupliers", "Saint-Martin", "du Val d'Or", "de l'Estuaire", "Arnault Tzanck", "Marne Chantereine", "Sévigné"])}`;
    case "ehpad": {
      const u = r.float();
      if (u < 0.35) return `EHPAD Les ${titleCase(r.pick(TREES))}`;
      if (u < 0.6) return `EHPAD Résidence ${r.pick(["Le Clos", "La Roseraie", "Les Jardins", "Le Parc", "Les Terrasses", "La Source", "Les Vergers", "Le Belvédère", "Les Charmilles", "L'Orée du Bois"])}${r.chance(0.3) ? ` ${of}` : ""}`;
      if (u < 0.8) return `EHPAD ${saintName(r)}`;
      return `EHPAD ${of}`;
    }
    case "lbm":
      return r.chance(0.4) ? `Laboratoire de biologie médicale ${of}` : r.chance(0.5) ? `Laboratoire ${titleCase(surname())}` : `Laboratoire Bio${slug(c.name).split("-")[0]!}`;
    case "imagerie":
      return r.chance(0.5) ? `Centre d'imagerie médicale ${of}` : `Cabinet de radiologie ${r.chance(0.5) ? titleCase(surname()) : of}`;
    case "cds":
      return r.chance(0.5) ? `Centre de santé municipal ${of}` : `Centre de santé ${r.pick(["mutualiste", "dentaire", "infirmier", "polyvalent"])} ${of}`;
    case "cmp":
      return `Centre médico-psychologique ${of}`;
    case "ssr":
      return r.chance(0.5) ? `Centre de rééducation fonctionnelle ${of}` : `Soins de suite et de réadaptation ${r.chance(0.5) ? saintName(r) : of}`;
    case "dialyse":
      return `Centre de dialyse ${of}`;
    default:
      return `Maison de santé pluriprofessionnelle ${of}`;
  }
}

function buildGeography(): Geography {
  const r = new Rng(GEOGRAPHY_SEED);
  const communes = buildCommunes(r);
  const communeCum = cumulative(communes.map(communeWeight));
  const byDepartment = new Map<string, { communes: Commune[]; cum: Float64Array }>();
  for (const [dept] of DEPARTMENTS) {
    const list = communes.filter((c) => c.department === dept);
    byDepartment.set(dept, { communes: list, cum: cumulative(list.map(communeWeight)) });
  }
  const faker = new DirectoryFaker(GEOGRAPHY_SEED + 1, null);
  const establishments: Establishment[] = [];
  const domains = new Set<string>();
  const names = new Set<string>();
  // Private groups running one domain for several clinics or EHPAD.
  const groups = Array.from({ length: 220 }, () => `groupe-${slug(communeRoot(r, "00"))}`);
  const addEstablishment = (kind: Kind, c: Commune, name: string, domainHint: string) => {
    const key = `${c.department}|${name}`;
    if (names.has(key)) return;
    names.add(key);
    let domain: string;
    if (domainHint) domain = domainHint;
    else if (!kind.hospital && r.chance(0.55)) domain = r.pick(groups);
    else if ((kind.key === "clinique" || kind.key === "hp" || kind.key === "polyclinique") && r.chance(0.3)) domain = r.pick(groups);
    else domain = `${kind.prefix}-${c.slug}`;
    // A few operators use internationalised domain names.
    let full = !domainHint && r.chance(0.02) ? `${domain}.santé-exemple.fr` : `${domain}.mssante.fr`;
    if (!domainHint && !domain.startsWith("groupe-")) {
      for (let i = 2; domains.has(full); i++) full = full.replace(/^([^.]*?)(\d*)\./, `$1${i}.`);
    }
    domains.add(full);
    const cedex = kind.hospital && r.chance(0.4);
    const postalCode = cedex ? `${c.postalCodes[0]!.slice(0, 3)}${r.digits(2)}` : r.pick(c.postalCodes);
    const street = faker.streetFields(true);
    establishments.push({
      name,
      kind,
      commune: c,
      postalCode,
      cityLine: `${postalCode} ${c.form}${cedex ? (r.chance(0.5) ? " CEDEX" : ` CEDEX ${1 + r.int(9)}`) : ""}`,
      ...street,
      l2: kind.hospital && r.chance(0.3) ? r.pick(["BÂTIMENT A", "BÂTIMENT B", "PAVILLON 2", "HALL 1", "SITE NORD", "SITE SUD", "NIVEAU 0", "AILE EST"]) : "",
      l3: cedex ? `${r.chance(0.5) ? "BP" : "CS"} ${r.chance(0.5) ? r.digits(3) : `${1 + r.int(9)}${r.digits(4)}`}` : "",
      domain: full,
      finess: `${c.department.slice(0, 2)}${r.digits(7)}`,
      size: kind.size * (0.5 + r.float()),
    });
  };
  const kindOf = (key: string) => KINDS.find((k) => k.key === key)!;
  // University and regional hospitals of the real cities, with their known domains.
  for (const c of communes) {
    if (!c.hosp) continue;
    const chu = c.hosp.startsWith("chu") || c.hosp.startsWith("chru") || c.hosp === "aphp" || c.hosp === "ap-hm";
    const name = c.hosp === "aphp" ? "AP-HP" : c.hosp === "ap-hm" ? "AP-HM" : chu ? `Centre hospitalier universitaire ${ofPlace(c.name)}` : `Centre hospitalier ${ofPlace(c.name)}`;
    const size = chu ? (c.pop > 1000 ? 2500 : c.pop > 400 ? 900 : 450) : 120;
    // Large university hospitals have several sites, each with its address, one mail domain.
    const sites = size >= 2500 ? 12 : size >= 900 ? 4 : size >= 450 ? 2 : 1;
    const patrons = [...HOSPITAL_SITES];
    for (let i = 0; i < sites; i++) {
      const site = sites > 1 ? ` - Hôpital ${patrons.splice(r.int(patrons.length), 1)[0]!}` : "";
      addEstablishment({ ...kindOf("ch"), size: size / sites }, c, name + site, c.hosp);
    }
    if (chu && c.pop > 250) addEstablishment({ ...kindOf("ch"), key: "cancer", prefix: "cancerologie", size: 90 }, c, `Institut de cancérologie ${ofPlace(c.name)}`, "");
  }
  const townCum = cumulative(communes.map((c) => Math.pow(c.pop, 1.25)));
  const surname = () => faker.baseSurname();
  for (let tries = 0; establishments.length < 9000 && tries < 40000; tries++) {
    const c = communes[r.weighted(townCum)]!;
    const kind = KINDS[r.weighted(KIND_CUM)]!;
    if (c.pop < kind.minPop) continue;
    addEstablishment(kind, c, establishmentName(r, kind, c, surname), "");
  }
  const hospitals = establishments.filter((e) => e.kind.hospital);
  return {
    communes,
    communeCum,
    byDepartment,
    establishments,
    establishmentCum: cumulative(establishments.map((e) => e.size)),
    hospitals,
    hospitalCum: cumulative(hospitals.map((e) => e.size)),
  };
}

function getGeography(): Geography {
  return (geography ??= buildGeography());
}

// ---- generation ---------------------------------------------------------------------------------
interface Place {
  organisation: string;
  service: string;
  number: string;
  complement?: string;
  streetType: string;
  streetName: string;
  /** The routing line as written (generated lines); fixtures write "<postal code> <CITY>". */
  cityLine?: string;
  l2?: string;
  l3?: string;
  l5?: string;
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
const UNSAFE = /[|\r\n]/;

function formatRow(r: Row): string {
  const rpps = r.idNat.startsWith("8") ? r.idNat.slice(1) : "";
  const p = r.place;
  const cols: string[] = [
    r.type,
    r.email,
    r.idNat ? (rpps ? "8" : r.idNat.slice(0, 1)) : "",
    rpps || r.idNat.slice(1),
    r.idNat,
    p.structureType,
    p.structureId,
    p.service,
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
    p.organisation,
    "",
    p.l2 ?? "",
    p.l3 ?? "",
    p.number,
    p.complement ?? "",
    p.streetType,
    p.streetName,
    p.l5 ?? "",
    p.cityLine ?? (p.city ? `${p.postalCode} ${p.city.toUpperCase()}` : ""),
    p.postalCode,
    p.department,
    p.city || p.cityLine ? "FRANCE" : "",
  ];
  if (cols.length !== COLUMN_COUNT) throw new Error("generator column count mismatch");
  for (let i = 0; i < cols.length; i++) if (UNSAFE.test(cols[i]!)) cols[i] = cols[i]!.replace(/[|\r\n]/g, " ");
  return cols.join("|");
}

class DirectoryFaker {
  private readonly rng: Rng;
  private readonly emails = new Set<string>();
  private rppsCounter: number;
  private readonly geo: Geography | null;

  /** `geo` null: only names and streets (used while the geography itself is built). */
  constructor(seed: number, geo: Geography | null = getGeography()) {
    this.rng = new Rng(seed);
    this.geo = geo;
    this.rppsCounter = 10000000000 + this.rng.int(1000000) * 100;
  }

  private get g(): Geography {
    return this.geo!;
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

  /** A surname as people write it (mixed case; compound, particles, apostrophes). */
  baseSurname(): string {
    const r = this.rng;
    const u = r.float();
    // A few common names, then a long tail of rarer ones (the real file has ~100,000 surnames).
    if (u < 0.3) return r.zipf(SURNAMES);
    if (u < 0.9) return r.pick(SYL_A) + r.pick(SYL_C) + r.pick(SYL_B) + r.pick(SUFFIX);
    if (u < 0.95) return `${r.pick(SURNAMES)}-${r.pick(SURNAMES)}`;
    if (u < 0.98) return r.pick(PARTICLES);
    return r.pick(["N'", "M'", "O'", "D'"]) + r.pick(["Diaye", "Bala", "Connor", "Amico", "Gom", "Doye", "Sougou"]);
  }

  /** A surname for a street: mostly from the long tail (streets honour local people). */
  private streetSurname(): string {
    const r = this.rng;
    return r.chance(0.75) ? r.pick(SYL_A) + r.pick(SYL_C) + r.pick(SYL_B) + r.pick(SUFFIX) : this.baseSurname();
  }

  private surname(): string {
    const s = this.baseSurname();
    // Most lines carry the name in capitals, some mixed case (both occur in the extraction).
    return this.rng.chance(0.7) ? s.toUpperCase() : s;
  }

  private givenName(female: boolean): string {
    const r = this.rng;
    const list = female ? GIVEN_F : GIVEN_M;
    if (r.chance(0.06)) return `${female ? r.pick(["Marie", "Anne", "Marie", "Louise"]) : r.pick(["Jean", "Pierre", "Jean", "Paul"])}-${r.pick(list)}`;
    return r.zipf(list);
  }

  /** A street name (without its type) from a large space, in capitals. */
  private streetName(type: string): string {
    const r = this.rng;
    const u = r.float();
    if (u < 0.08) return r.zipf(FAMOUS);
    if (u < 0.12) return r.pick(PLACES_NAMES);
    if (u < 0.15) return `DES ${r.pick(TREES)}`;
    if (u < 0.38) {
      const female = r.chance(0.3);
      return `${this.givenName(female)} ${this.streetSurname()}`.toUpperCase();
    }
    if (u < 0.47) {
      const t = r.pick(TITLES);
      return `${t} ${r.chance(0.3) ? `${this.givenName(false)} ` : ""}${this.streetSurname()}`.toUpperCase();
    }
    if (u < 0.52) {
      const s = saintName(r).toUpperCase();
      return r.chance(0.3) ? deName(`${s} DE`, communeRoot(r, "00").toUpperCase()) : s;
    }
    if (u < 0.55) return r.chance(0.35) ? r.pick(DATES) : `DU ${1 + r.int(31)} ${r.pick(MONTHS)} ${r.pick(YEARS)}`;
    if (u < 0.57) return `DU ${r.pick(FEATURES)} ${r.pick(FEATURE_ADJ)}`;
    if (u < 0.7) {
      // Lieux-dits named after a family: "LA MARTINIÈRE", "LES ROBINIÈRES", "LE CLOS DUBOIS".
      const s = stripAccents(this.streetSurname().toUpperCase()).replace(/[^A-Z]/g, "");
      const stem = s.replace(/(EAU|AU|ES|E|X|S|Z)$/, "");
      const end = /[AEIOUY]$/.test(stem) ? "NIÈRE" : "IÈRE";
      return r.chance(0.6) ? `DE LA ${stem}${end}` : r.chance(0.5) ? `DES ${stem}${end}S` : deName(r.pick(LIEUDIT_HEADS), s);
    }
    if (u < 0.86 && this.geo) {
      // Roads named after where they lead.
      const to = this.g.communes[r.int(this.g.communes.length)]!;
      return `${ofPlace(to.name).toUpperCase()}${type === "ROUTE" && r.chance(0.2) ? ` À ${r.pick(this.g.communes).name.toUpperCase()}` : ""}`;
    }
    return deName(r.pick(LIEUDIT_HEADS), communeRoot(r, "00").toUpperCase());
  }

  /** Number, BIS/TER, type and name of a street line (empty fields when `always` is false, sometimes). */
  streetFields(always: boolean): { number: string; complement: string; streetType: string; streetName: string } {
    const r = this.rng;
    // Empty address fields are common in the extraction.
    if (!always && r.chance(0.11)) return { number: "", complement: "", streetType: "", streetName: "" };
    const road = r.chance(0.08);
    const streetType = road ? r.pick(ROAD_TYPES) : streetTypeOf(r);
    let streetName = road && this.geo ? `${ofPlace(r.pick(this.g.communes).name)}`.toUpperCase() : this.streetName(streetType);
    // Half the sources write the La Poste way: no accents.
    const plain = r.chance(0.5);
    if (plain) streetName = stripAccents(streetName);
    const noNumber = streetType === "PLACE" || streetType === "HAMEAU" || streetType === "LOTISSEMENT" ? r.chance(0.6) : r.chance(0.1);
    const n = 1 + Math.floor(180 * Math.pow(r.float(), 2.2));
    const c = r.float();
    return {
      number: noNumber ? "" : String(n),
      complement: noNumber ? "" : c < 0.06 ? "BIS" : c < 0.075 ? "TER" : c < 0.078 ? "A" : "",
      streetType: plain ? stripAccents(streetType) : streetType,
      streetName,
    };
  }

  private commune(near?: Commune): Commune {
    const r = this.rng;
    if (near && r.chance(0.6)) {
      const d = this.g.byDepartment.get(near.department)!;
      return d.communes[r.weighted(d.cum)]!;
    }
    return this.g.communes[r.weighted(this.g.communeCum)]!;
  }

  /** A place of liberal practice in commune `c`. */
  private liberalPlace(c: Commune, organisation: string): Place {
    const r = this.rng;
    const postalCode = r.pick(c.postalCodes);
    const emptyCity = r.chance(0.005);
    return {
      organisation,
      service: "",
      ...this.streetFields(false),
      l2: r.chance(0.04) ? r.pick(["RÉSIDENCE LES TILLEULS", "1ER ÉTAGE", "BÂTIMENT B", "REZ-DE-CHAUSSÉE", "CENTRE COMMERCIAL", "ESPACE SANTÉ", "PÔLE MÉDICAL", "APPARTEMENT 3"]) : "",
      l5: c.pop < 1 && r.chance(0.08) ? `LIEU-DIT ${r.chance(0.5) ? "LE" : "LA"} ${communeRoot(r, c.department).toUpperCase()}` : "",
      cityLine: emptyCity ? "" : `${postalCode} ${r.chance(0.9) ? c.form : c.otherForm}`,
      city: emptyCity ? "" : c.name,
      postalCode: emptyCity ? "" : postalCode,
      department: emptyCity ? "" : c.department,
      structureType: organisation ? "5" : "",
      structureId: organisation ? r.digits(14) : "",
    };
  }

  private establishmentPlace(e: Establishment, service: string): Place {
    return {
      organisation: e.name,
      service,
      number: e.number,
      complement: e.complement,
      streetType: e.streetType,
      streetName: e.streetName,
      cityLine: e.cityLine,
      l2: e.l2,
      l3: e.l3,
      city: e.commune.name,
      postalCode: e.postalCode,
      department: e.commune.department,
      structureType: "3",
      structureId: e.finess,
    };
  }

  private service(): string {
    return this.rng.pick(SERVICES)[0];
  }

  /** The practice's name: a cabinet named after the professional, a pharmacy, a health centre… */
  private liberalOrganisation(prof: Profession, surname: string, c: Commune, skill: string): string {
    const r = this.rng;
    const name = titleCase(surname);
    const of = ofPlace(c.name);
    const u = r.float();
    switch (prof.code) {
      case "21":
        if (skill === "Biologie médicale") return r.chance(0.5) ? `Laboratoire de biologie médicale ${of}` : `Laboratoire ${name}`;
        if (u < 0.2) return r.pick(["Pharmacie du Centre", "Pharmacie de la Gare", "Pharmacie des Halles", "Pharmacie du Marché", "Pharmacie de la Poste", "Pharmacie de l'Église", "Pharmacie du Port"]);
        if (u < 0.45) return `Pharmacie ${name}`;
        if (u < 0.65) return `Pharmacie ${of}`;
        if (u < 0.75) return `Grande Pharmacie ${of}`;
        if (u < 0.85) return `Pharmacie des ${titleCase(r.pick(TREES))}`;
        if (u < 0.93) return `Pharmacie ${saintName(r)}`;
        return `SELARL Pharmacie ${name}`;
      case "60":
        if (u < 0.3) return `Cabinet infirmier ${name}`;
        if (u < 0.5) return `Cabinet de soins infirmiers ${of}`;
        if (u < 0.6) return `Centre de soins infirmiers ${of}`;
        if (u < 0.7) return `Maison de santé pluriprofessionnelle ${of}`;
        return "";
      case "70":
        if (u < 0.45) return `Cabinet de kinésithérapie ${name}`;
        if (u < 0.65) return `Cabinet de masso-kinésithérapie ${of}`;
        if (u < 0.75) return `Maison de santé pluriprofessionnelle ${of}`;
        return "";
      case "40":
        if (u < 0.45) return `Cabinet dentaire du Dr ${name}`;
        if (u < 0.6) return `Centre dentaire ${of}`;
        if (u < 0.7) return skill ? `Cabinet d'orthodontie ${name}` : `SELARL du Dr ${name}`;
        if (u < 0.8) return `SCM ${name}-${titleCase(this.baseSurname())}`;
        return "";
      case "50":
        return u < 0.5 ? `Cabinet de sage-femme ${name}` : u < 0.65 ? `Maison de santé pluriprofessionnelle ${of}` : "";
      case "80":
        return u < 0.6 ? `Cabinet de pédicurie-podologie ${name}` : "";
      default:
        if (u < 0.3) return `Cabinet du Dr ${surname}`;
        if (u < 0.4) return `Cabinet médical ${of}`;
        if (u < 0.46) return `Cabinet médical ${r.chance(0.5) ? `des ${titleCase(r.pick(TREES))}` : saintName(r)}`;
        if (u < 0.55) return `Maison de santé pluriprofessionnelle ${of}`;
        if (u < 0.6) return `Centre médical ${r.chance(0.5) ? of : saintName(r)}`;
        if (u < 0.65) return `SCM ${name}-${titleCase(this.baseSurname())}`;
        if (u < 0.7) return `SELARL du Dr ${name}`;
        if (u < 0.73) return `Pôle santé ${of}`;
        return "";
    }
  }

  /** Lines of one personal mailbox (1 to 3 practice situations). */
  per(): Row[] {
    const r = this.rng;
    const prof = r.pick(PROFESSION_POOL);
    const female = r.chance(0.5);
    const given = this.givenName(female);
    const surname = this.surname();
    const [skillCode, skill] = r.pick(prof.skills);
    const civility = r.chance(CIVILITY_EMPTY_RATE) ? "" : prof.label === "Médecin" ? r.pick(prof.civilities) : female ? "MME" : "M";
    this.rppsCounter += 1 + r.int(9);
    const rpps = String(this.rppsCounter);
    const idNat = `8${rpps}`;
    const inHospital = r.chance(prof.code === "10" || prof.code === "60" ? 0.3 : prof.code === "21" ? 0.12 : 0.05);
    const nPlaces = r.chance(0.08) ? 2 + (r.chance(0.25) ? 1 : 0) : 1;
    const places: Place[] = [];
    let domain = prof.domain;
    let home: Commune | undefined;
    for (let i = 0; i < nPlaces; i++) {
      if ((i === 0 && inHospital) || (i > 0 && r.chance(0.3))) {
        const e = this.g.hospitals[r.weighted(this.g.hospitalCum)]!;
        if (i === 0) domain = e.domain;
        home ??= e.commune;
        places.push(this.establishmentPlace(e, r.chance(0.4) ? this.service() : ""));
      } else {
        const c = this.commune(home);
        home ??= c;
        places.push(this.liberalPlace(c, this.liberalOrganisation(prof, surname, c, skill)));
      }
    }
    const email = this.uniqueEmail(`${asciiLocal(given)}.${asciiLocal(surname)}`, domain);
    const givenName = r.chance(0.01) ? "" : given;
    return places.map((place) => ({
      type: "PER",
      email,
      idNat,
      civility,
      surname,
      givenName,
      professionCode: prof.code,
      profession: prof.label,
      skillCode,
      skill,
      place,
    }));
  }

  /** An organisational mailbox (a ward's secretariat, a pharmacy, a laboratory…). */
  org(type: "ORG" | "APP" | "CAB"): Row {
    const r = this.rng;
    let place: Place;
    let email: string;
    if (type === "CAB") {
      const c = this.commune();
      const organisation = r.chance(0.5) ? `Cabinet médical ${ofPlace(c.name)}` : `Cabinet médical ${this.streetName("RUE").toLowerCase()}`;
      place = this.liberalPlace(c, organisation);
      email = this.uniqueEmail(`cabinet.${c.slug}`, "pro.mssante.fr");
    } else {
      const e = this.g.establishments[r.weighted(this.g.establishmentCum)]!;
      const svc = type === "ORG" && r.chance(0.7) ? r.pick(SERVICES) : null;
      const service = type === "APP" ? r.pick(SOFTWARE) : svc ? svc[0] : "";
      place = this.establishmentPlace(e, service);
      const local =
        type === "APP"
          ? `app-${asciiLocal(service).replace(/\./g, "")}`
          : svc && r.chance(0.7)
            ? `${r.chance(0.5) ? `${r.pick(ORG_BOXES)}.` : ""}${svc[1]}`
            : r.pick(ORG_BOXES);
      email = this.uniqueEmail(local, e.domain);
    }
    return {
      type,
      email,
      idNat: "",
      civility: "",
      surname: "",
      givenName: "",
      professionCode: "",
      profession: "",
      skillCode: "",
      skill: "",
      place,
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
    const rows = u < 0.836 ? gen.per().map(formatRow) : [formatRow(gen.org(u < 0.996 ? "ORG" : u < 0.998 ? "APP" : "CAB"))];
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
  const date = opts.date ?? FIXED_EXTRACTION_DATE;
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
    process.stdout.write("usage: generate-directory [--lines N] [--seed S] [--out DIR] [--date AAAAMMJJhhmm (UTC; default: now)] [--zip] [--fixtures FILE.json]\n");
    return;
  }
  const lines = arg("--lines") === "full" ? FULL_SIZE_LINES : Number(arg("--lines") ?? 2000);
  const seed = Number(arg("--seed") ?? 1);
  if (!Number.isFinite(lines) || lines < 0 || !Number.isFinite(seed)) {
    process.stderr.write("--lines and --seed must be numbers\n");
    process.exit(2);
  }
  const date = arg("--date") ?? extractionStamp(new Date());
  if (!/^\d{12}$/.test(date)) {
    process.stderr.write("--date must be AAAAMMJJhhmm\n");
    process.exit(2);
  }
  const fixturesFile = arg("--fixtures");
  const fixtures = fixturesFile ? (JSON.parse(readFileSync(fixturesFile, "utf8")) as FixtureEntry[]) : [];
  const res = await writeExtraction(arg("--out") ?? ".", { lines, seed, date, fixtures, zip: argv.includes("--zip") });
  process.stdout.write(`${res.file} (${res.lines} lines with header, ${res.bytes} bytes of text)\n`);
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}

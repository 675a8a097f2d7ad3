/**
 * The directory generator's word tables (people, professions, streets, organisations) and the
 * text helpers that turn them into mailbox names, slugs and routing lines. Fixed data: changing a
 * table changes every generated extraction.
 */
import { cumulative } from "./random.ts";

// ---- vocabulary: people -------------------------------------------------------------------------
export const SURNAMES = [
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
export const PARTICLES = ["de la Tour", "de Saint-Exupéry", "d'Arcy", "de Villiers", "du Pont", "de La Fayette", "d'Estienne d'Orves", "de Gaulle", "le Bihan", "de Bourbon-Busset"];
export const SYL_A = ["Beau", "Bel", "Bon", "Ker", "Lan", "Mont", "Pont", "Roche", "Ville", "Val", "Cham", "Bois", "Mar", "Fer", "Gar", "Lor", "Ros", "Sau", "Tal", "Ver", "Cour", "Pra", "Bru", "Cas", "Dar"];
export const SYL_B = ["champ", "mont", "val", "fort", "ville", "court", "gard", "lin", "mer", "nier", "quet", "ret", "sart", "taine", "bert", "din", "gnac", "lès", "rieu", "zac", "vée", "rand", "ard", "ot", "elle"];
export const SYL_C = ["", "", "", "a", "e", "i", "o", "an", "en", "er", "el", "on", "ou", "in", "ar", "is", "us", "ac", "eau", "il"];
export const SUFFIX = ["", "", "", "t", "s", "x", "au", "ier", "ec", "ez", "y", "e", "on", "in", "ais"];
export const GIVEN_M = [
  "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "François", "Thomas", "Julien", "Éric", "Laurent", "David", "Stéphane", "Olivier", "Christophe", "Frédéric",
  "Sébastien", "Antoine", "Jérôme", "Mathieu", "Hervé", "Bruno", "Jean-Pierre", "Jean-François", "Marc", "Benoît", "Rémi", "Loïc", "Gaël", "Hugo", "Mamadou", "Karim",
  "Patrick", "Daniel", "Bernard", "Christian", "Pascal", "Vincent", "Guillaume", "Romain", "Maxime", "Alexandre", "Arnaud", "Cédric", "Yannick", "Fabrice", "Thierry", "Didier",
  "Emmanuel", "Franck", "Gilles", "Jacques", "Lionel", "Ludovic", "Matthieu", "Raphaël", "Samuel", "Xavier", "Yves", "Adrien", "Baptiste", "Clément", "Damien", "Florian",
  "Grégoire", "Jonathan", "Kévin", "Lucas", "Mehdi", "Nabil", "Quentin", "Rachid", "Sylvain", "Théo", "Valentin", "Yann", "Bertrand", "Denis", "Dominique", "Gérard",
];
export const GIVEN_F = [
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
export interface Profession {
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
export const PROFESSION_POOL = PROFESSIONS.flatMap((p) => Array.from({ length: p.weight }, () => p));

// ---- vocabulary: streets --------------------------------------------------------------------------
/** Street types with their weights (rue far ahead). */
export const STREET_TYPES: [string, number][] = [
  ["RUE", 46], ["AVENUE", 12], ["BOULEVARD", 6], ["CHEMIN", 7], ["IMPASSE", 5], ["ALLÉE", 5], ["PLACE", 5], ["ROUTE", 6], ["QUAI", 1.5],
  ["COURS", 1], ["SQUARE", 1], ["RÉSIDENCE", 1.5], ["LOTISSEMENT", 1], ["PASSAGE", 0.8], ["SENTIER", 0.5], ["VOIE", 0.5], ["RUELLE", 0.6],
  ["MONTÉE", 0.5], ["ESPLANADE", 0.3], ["PROMENADE", 0.3], ["HAMEAU", 0.6], ["CITÉ", 0.5], ["FAUBOURG", 0.4], ["ROND-POINT", 0.3], ["PARVIS", 0.2],
];
export const STREET_TYPE_CUM = cumulative(STREET_TYPES.map((t) => t[1]));
export const FAMOUS = [
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
export const TITLES = [
  "DU DOCTEUR", "DU GÉNÉRAL", "DU MARÉCHAL", "DU PRÉSIDENT", "DE L'ABBÉ", "DU COMMANDANT", "DU PROFESSEUR", "DU COLONEL", "DU CAPITAINE",
  "DU LIEUTENANT", "DU PÈRE", "DU CHANOINE", "DE L'AMIRAL", "DU SERGENT", "DU PASTEUR", "DU CARDINAL", "DU MAIRE", "DE L'ADJUDANT", "DU SÉNATEUR",
];
export const MONTHS = ["JANVIER", "FÉVRIER", "MARS", "AVRIL", "MAI", "JUIN", "JUILLET", "AOÛT", "SEPTEMBRE", "OCTOBRE", "NOVEMBRE", "DÉCEMBRE"];
export const DATES = ["DU 8 MAI 1945", "DU 11 NOVEMBRE 1918", "DU 14 JUILLET", "DU 19 MARS 1962", "DU 4 SEPTEMBRE", "DU 18 JUIN 1940", "DU 24 FÉVRIER 1848", "DU 4 AOÛT 1789", "DU 22 SEPTEMBRE", "DU 6 JUIN 1944", "DU 25 AOÛT 1944"];
export const YEARS = ["1944", "1944", "1944", "1945", "1918", "1870", "1789", "1848", "1914", "1940", "1962", "1830", "1871"];
export const TREES = [
  "TILLEULS", "LILAS", "ROSES", "CHÊNES", "PEUPLIERS", "ACACIAS", "MIMOSAS", "GLYCINES", "PLATANES", "MARRONNIERS", "ÉRABLES", "FRÊNES",
  "BOULEAUX", "SAULES", "CERISIERS", "POMMIERS", "NOISETIERS", "CHÂTAIGNIERS", "OLIVIERS", "PINS", "SAPINS", "CÈDRES", "CYPRÈS", "HÊTRES",
  "ORMES", "AUBÉPINES", "BLEUETS", "COQUELICOTS", "JONQUILLES", "VIOLETTES", "PRIMEVÈRES", "MUGUETS", "LAURIERS", "MAGNOLIAS", "HORTENSIAS",
  "CAMÉLIAS", "TULIPES", "IRIS", "ŒILLETS", "MYOSOTIS", "GENÊTS", "BRUYÈRES", "FOUGÈRES", "AJONCS", "VIGNES", "ORANGERS", "AMANDIERS",
  "FIGUIERS", "NOYERS", "MÛRIERS", "CHARMES", "SORBIERS", "PRUNIERS", "POIRIERS", "JASMINS", "LAVANDES", "PIVOINES", "DAHLIAS", "CAPUCINES",
];
export const PLACES_NAMES = [
  "DE LA GARE", "DE L'ÉGLISE", "DU MOULIN", "DU CHÂTEAU", "DE LA MAIRIE", "DES ÉCOLES", "DU STADE", "DU CIMETIÈRE", "DE LA POSTE",
  "DU LAVOIR", "DU PRESBYTÈRE", "DE LA FONTAINE", "DU PONT", "DU PORT", "DE LA PLAGE", "DU MARCHÉ", "DES HALLES", "DU CENTRE",
  "DE LA CROIX", "DU CALVAIRE", "DU FOUR", "DE LA FORGE", "DU PUITS", "DE LA CHAPELLE", "DU PRIEURÉ", "DE L'ABBAYE", "DU COLLÈGE",
  "DU LYCÉE", "DE L'HÔPITAL", "DE LA CASERNE", "DE LA FERME", "DES JARDINS", "DU PARC", "DU BOIS", "DES PRÉS", "DES CHAMPS", "DES VERGERS",
  "DE LA RIVIÈRE", "DU CANAL", "DE L'ÉTANG", "DU LAC", "DE LA COLLINE", "DU COTEAU", "DE LA VALLÉE", "DU PLATEAU", "DES CARRIÈRES",
  "DES TANNEURS", "DES TISSERANDS", "DES FORGERONS", "DES POTIERS", "DU PRESSOIR", "DES MOINES", "DU TEMPLE", "DE LA HALLE", "DE LA TOUR",
  "DES REMPARTS", "DE LA PORTE", "DU BELVÉDÈRE", "DES ARTISANS", "DE L'INDUSTRIE", "DU COMMERCE", "DE L'AVENIR", "DES SPORTS", "DU VIADUC",
  "DE LA DIGUE", "DES DUNES", "DU PHARE", "DE LA MER", "DES SOURCES", "DES THERMES", "DE LA BASCULE", "DU MANOIR", "DU BOURG", "DES ARÈNES",
];
export const FEATURES = ["CHÊNE", "MOULIN", "PUITS", "CHAMP", "BOIS", "PRÉ", "CLOS", "MAS", "PONT", "MONT", "VAL", "FOUR", "CHEMIN", "ROCHER", "MARAIS", "CHÂTEAU", "JARDIN", "PORTAIL"];
export const FEATURE_ADJ = ["VERT", "BLANC", "NEUF", "VIEUX", "HAUT", "BAS", "GRAND", "PETIT", "ROND", "JOLI", "ROUGE", "FLEURI", "CREUX", "LONG", "NOIR", "SEC", "DORÉ", "BRÛLÉ"];
export const LIEUDIT_HEADS = ["DU CLOS", "DES HAUTS DE", "DU DOMAINE DE", "DU PARC DE", "DE LA CÔTE", "DU CHAMP", "DES JARDINS DE", "DU COTEAU DE", "DU MAS", "DE LA FERME DE"];
/** Street types that lead somewhere: "ROUTE DE <commune>". */
export const ROAD_TYPES = ["ROUTE", "ROUTE", "ROUTE", "CHEMIN", "CHEMIN", "AVENUE", "RUE", "RUE", "ANCIENNE ROUTE", "VIEUX CHEMIN", "BOULEVARD"];

// ---- vocabulary: organisations ----------------------------------------------------------------------
/** [label, mailbox name] */
export const SERVICES: [string, string][] = [
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
export const HOSPITAL_SITES = [
  "Saint-Louis", "Lariboisière", "Bichat", "Necker", "Cochin", "Pitié-Salpêtrière", "Tenon", "Saint-Antoine", "Bicêtre", "Beaujon",
  "Édouard Herriot", "de la Croix-Rousse", "Pellegrin", "Haut-Lévêque", "Purpan", "Rangueil", "Pasteur", "de l'Archet", "Hôtel-Dieu",
  "Nord", "Sud", "de la Timone", "de la Conception", "Sainte-Marguerite", "Gui de Chauliac", "Lapeyronie", "Hautepierre", "Charles Nicolle",
  "Pontchaillou", "Trousseau", "Robert Debré", "Jean Minjoz", "Bretonneau", "Morvan", "de la Cavale Blanche", "Roger Salengro",
  "Claude Huriez", "Jeanne de Flandre", "Michallon", "Laennec", "Saint-Jacques", "Dupuytren", "Gabriel Montpied", "Estaing", "de Brabois",
  "Central", "Côte de Nacre", "Carémeau", "Ambroise Paré", "Avicenne", "Jean Verdier", "Louis Mourier", "Henri Mondor", "Antoine Béclère",
];
export const ORG_BOXES = ["secretariat", "accueil", "contact", "direction", "sec", "cadre", "rdv", "courrier", "medecins", "resultats", "infirmiers", "coordination"];
export const SOFTWARE = ["Résultats laboratoire", "Comptes rendus imagerie", "Dossier patient", "Messagerie DMP", "Lettres de liaison", "Comptes rendus opératoires", "Ordonnances de sortie", "Résultats d'anatomopathologie", "Télétransmission"];

export interface Kind {
  key: string;
  weight: number;
  /** Mail domain prefix and the establishment's size (how many mailboxes and staff it draws). */
  prefix: string;
  size: number;
  /** Minimum population of the commune (thousands). */
  minPop: number;
  hospital: boolean;
}
export const KINDS: Kind[] = [
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
export const KIND_CUM = cumulative(KINDS.map((k) => k.weight));

// ---- text helpers ---------------------------------------------------------------------------------
export function stripAccents(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return s.replace(/Œ/g, "OE").replace(/œ/g, "oe").replace(/Æ/g, "AE").replace(/æ/g, "ae").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

export function asciiLocal(s: string): string {
  return s
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/g, "o")
    .replace(/['’\s]+/g, "")
    .replace(/[^a-z0-9.-]/g, "");
}

export function slug(s: string): string {
  return stripAccents(s.toLowerCase())
    .replace(/ø/g, "o")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** La Poste routing-line form (AFNOR NF Z10-011): capitals, no accents, no hyphens, SAINT → ST. */
export function routingForm(name: string): string {
  return stripAccents(name.toUpperCase())
    .replace(/['’-]/g, " ")
    .replace(/\bSAINTE\b/g, "STE")
    .replace(/\bSAINT\b/g, "ST")
    .replace(/\s+/g, " ")
    .trim();
}

/** "de Lyon", "d'Annecy", "du Mans", "des Sables-d'Olonne", "de La Rochelle". */
export function ofPlace(name: string): string {
  if (name.startsWith("Le ")) return `du ${name.slice(3)}`;
  if (name.startsWith("Les ")) return `des ${name.slice(4)}`;
  return /^[AEIOUYÉÈÊÎÔH]/.test(name) && !/^H[aeo]/.test(name) ? `d'${name}` : `de ${name}`;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The generator's fixed geography, the same for every seed: ~35,000 communes over the 101
 * departments (postal codes consistent with their department, 2A/2B in Corsica, 97x overseas, the
 * real cities with their hospitals' domains), and ~9,000 establishments with their addresses and
 * mail domains.
 */
import { titleCase } from "../../../shared/domain/title-case.ts";
import { cumulative, Rng } from "./random.ts";
import {
  capitalise,
  HOSPITAL_SITES,
  KIND_CUM,
  KINDS,
  ofPlace,
  routingForm,
  slug,
  STREET_TYPE_CUM,
  STREET_TYPES,
  TREES,
  type Kind,
} from "./words.ts";

// ---- vocabulary: places ---------------------------------------------------------------------------

/** [department, communes (about), population in thousands] (INSEE orders of magnitude). */
const DEPARTMENTS: [string, number, number][] = [
  ["01", 393, 660],
  ["02", 799, 530],
  ["03", 317, 335],
  ["04", 198, 165],
  ["05", 162, 141],
  ["06", 163, 1095],
  ["07", 335, 330],
  ["08", 449, 270],
  ["09", 327, 153],
  ["10", 431, 310],
  ["11", 433, 375],
  ["12", 285, 280],
  ["13", 119, 2040],
  ["14", 528, 695],
  ["15", 246, 144],
  ["16", 364, 352],
  ["17", 463, 655],
  ["18", 287, 300],
  ["19", 279, 240],
  ["2A", 124, 160],
  ["2B", 236, 180],
  ["21", 698, 535],
  ["22", 348, 600],
  ["23", 256, 116],
  ["24", 503, 414],
  ["25", 571, 545],
  ["26", 363, 520],
  ["27", 585, 600],
  ["28", 365, 430],
  ["29", 277, 915],
  ["30", 351, 750],
  ["31", 586, 1415],
  ["32", 461, 192],
  ["33", 535, 1650],
  ["34", 342, 1190],
  ["35", 333, 1090],
  ["36", 241, 218],
  ["37", 272, 610],
  ["38", 512, 1280],
  ["39", 494, 260],
  ["40", 327, 415],
  ["41", 267, 330],
  ["42", 323, 765],
  ["43", 257, 228],
  ["44", 207, 1450],
  ["45", 325, 680],
  ["46", 313, 174],
  ["47", 319, 331],
  ["48", 152, 76],
  ["49", 177, 820],
  ["50", 446, 495],
  ["51", 613, 566],
  ["52", 426, 172],
  ["53", 240, 307],
  ["54", 591, 733],
  ["55", 499, 184],
  ["56", 249, 760],
  ["57", 725, 1045],
  ["58", 309, 203],
  ["59", 648, 2610],
  ["60", 679, 830],
  ["61", 385, 280],
  ["62", 890, 1460],
  ["63", 464, 665],
  ["64", 546, 685],
  ["65", 469, 230],
  ["66", 226, 480],
  ["67", 514, 1145],
  ["68", 366, 765],
  ["69", 267, 1880],
  ["70", 539, 235],
  ["71", 565, 550],
  ["72", 354, 565],
  ["73", 273, 437],
  ["74", 279, 830],
  ["75", 1, 2130],
  ["76", 708, 1255],
  ["77", 507, 1430],
  ["78", 259, 1450],
  ["79", 256, 375],
  ["80", 772, 570],
  ["81", 314, 390],
  ["82", 195, 262],
  ["83", 153, 1080],
  ["84", 151, 560],
  ["85", 255, 690],
  ["86", 266, 440],
  ["87", 195, 372],
  ["88", 507, 364],
  ["89", 423, 335],
  ["90", 101, 140],
  ["91", 194, 1300],
  ["92", 36, 1625],
  ["93", 40, 1650],
  ["94", 47, 1400],
  ["95", 184, 1250],
  ["971", 32, 385],
  ["972", 34, 360],
  ["973", 22, 285],
  ["974", 24, 870],
  ["976", 17, 280],
];

/**
 * Real cities: [name, postal codes, department, population in thousands, short name of its main
 * hospital's mail domain ("" = none of its own)]. The rest of the communes are synthesised.
 */
const CITIES: [string, string[], string, number, string][] = [
  [
    "Paris",
    [
      "75001",
      "75002",
      "75003",
      "75004",
      "75005",
      "75006",
      "75007",
      "75008",
      "75009",
      "75010",
      "75011",
      "75012",
      "75013",
      "75014",
      "75015",
      "75016",
      "75017",
      "75018",
      "75019",
      "75020",
    ],
    "75",
    2130,
    "aphp",
  ],
  [
    "Marseille",
    [
      "13001",
      "13002",
      "13003",
      "13004",
      "13005",
      "13006",
      "13007",
      "13008",
      "13009",
      "13010",
      "13011",
      "13012",
      "13013",
      "13014",
      "13015",
      "13016",
    ],
    "13",
    870,
    "ap-hm",
  ],
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
  "Loire",
  "Seine",
  "Marne",
  "Saône",
  "Rhône",
  "Garonne",
  "Dordogne",
  "Lot",
  "Tarn",
  "Oise",
  "Aisne",
  "Meuse",
  "Moselle",
  "Vienne",
  "Cher",
  "Indre",
  "Allier",
  "Mer",
  "Yonne",
  "Sarthe",
  "Mayenne",
  "Orne",
  "Vire",
  "Aube",
  "Isère",
  "Drôme",
  "Durance",
  "Ain",
  "Doubs",
  "Ognon",
  "Lez",
  "Creuse",
  "Charente",
  "Adour",
  "Aude",
  "Hérault",
  "Gard",
  "Vézère",
  "Loir",
  "Eure",
  "Somme",
  "Authie",
  "Sèvre",
  "Vilaine",
  "Odet",
  "Blavet",
  "Rance",
  "Risle",
  "Touques",
  "Bresle",
  "Ourcq",
  "Essonne",
  "Yerres",
  "Loing",
  "Armançon",
  "Serein",
  "Ource",
  "Seille",
  "Orbe",
  "Arve",
];
const PAYS = [
  "Provence",
  "Bresse",
  "Argonne",
  "Vexin",
  "Auge",
  "Brie",
  "Forez",
  "Velay",
  "Champagne",
  "Caux",
  "Othe",
  "Royans",
  "Bugey",
  "Valromey",
  "Retz",
  "Mauges",
  "Bray",
  "Gâtinais",
  "Beauce",
  "Perche",
  "Sologne",
  "Berry",
  "Morvan",
  "Auxois",
  "Dombes",
  "Vercors",
  "Chartreuse",
  "Quercy",
  "Rouergue",
  "Périgord",
  "Médoc",
  "Béarn",
  "Bigorre",
  "Comminges",
  "Couserans",
  "Lauragais",
  "Minervois",
  "Corbières",
  "Cévennes",
  "Vivarais",
  "Diois",
  "Queyras",
  "Oisans",
  "Chablais",
  "Faucigny",
  "Genevois",
  "Saulnois",
  "Woëvre",
  "Barrois",
  "Thiérache",
  "Ternois",
];
const SAINTS_M = [
  "Martin",
  "Germain",
  "Jean",
  "Pierre",
  "Étienne",
  "Laurent",
  "Denis",
  "Julien",
  "Hilaire",
  "Cyr",
  "Genis",
  "Amand",
  "Aubin",
  "Médard",
  "Quentin",
  "Sulpice",
  "Brice",
  "Priest",
  "Michel",
  "Nicolas",
  "Jacques",
  "Paul",
  "André",
  "Louis",
  "Vincent",
  "Benoît",
  "Blaise",
  "Clair",
  "Éloi",
  "Fiacre",
  "Georges",
  "Gervais",
  "Gilles",
  "Honoré",
  "Léger",
  "Loup",
  "Marcel",
  "Maurice",
  "Ouen",
  "Patrice",
  "Roch",
  "Sauveur",
  "Sernin",
  "Symphorien",
  "Vallier",
  "Victor",
  "Yves",
  "Christophe",
  "Clément",
  "Didier",
  "Florent",
  "Félix",
  "Front",
  "Gaudens",
  "Just",
  "Lambert",
  "Luc",
  "Mamert",
  "Marc",
  "Omer",
  "Rémy",
  "Savin",
  "Sébastien",
  "Sever",
  "Thibault",
  "Vaast",
  "Vivien",
  "Barthélemy",
  "Bonnet",
  "Chamond",
  "Cloud",
  "Cyprien",
  "Désiré",
  "Égrève",
  "Firmin",
  "Galmier",
  "Gond",
  "Héand",
  "Isidore",
  "Jory",
  "Léonard",
  "Lizier",
  "Malo",
  "Nazaire",
  "Pons",
  "Porchaire",
  "Privat",
  "Rambert",
  "Romain",
  "Saturnin",
  "Seurin",
  "Thégonnec",
  "Urbain",
  "Valery",
  "Wandrille",
  "Xandre",
];
const SAINTS_F = [
  "Anne",
  "Marie",
  "Catherine",
  "Geneviève",
  "Marguerite",
  "Cécile",
  "Claire",
  "Foy",
  "Hélène",
  "Lucie",
  "Madeleine",
  "Odile",
  "Radegonde",
  "Solange",
  "Thérèse",
  "Agnès",
  "Barbe",
  "Colombe",
  "Eulalie",
  "Marthe",
  "Reine",
  "Savine",
  "Menehould",
  "Maxime",
  "Sévère",
  "Gemmes",
  "Luce",
  "Christine",
  "Croix",
  "Consorce",
  "Hermine",
  "Livrade",
  "Néomaye",
  "Pazanne",
  "Sigolène",
  "Tulle",
];
const ADJ_M = ["Château", "Grand", "Petit", "Vieux", "Comte", "Roi", "Haut", "Bas", "Neuf", "Franc", "Pin", "Bourg", "Moutier", "Marché"];
const ADJ_F = ["Forêt", "Ville", "Rivière", "Vallée", "Montagne", "Côte", "Garenne", "Fontaine", "Chapelle", "Tour", "Croix", "Motte"];
const TOWN_HEADS = [
  "Villeneuve",
  "Neuville",
  "Châteauneuf",
  "Fontaine",
  "Bourg",
  "Mesnil",
  "Pont",
  "Mont",
  "Villers",
  "Montigny",
  "Beaumont",
  "Villiers",
  "Fresnes",
  "Neuvy",
  "Bois",
  "Château",
  "Roche",
  "Pierre",
  "Saint-Martin",
  "Nogent",
  "Vitry",
  "Choisy",
  "Rosny",
  "Sainte-Marie",
  "Ville",
  "Mareuil",
  "Marcilly",
  "Bussy",
  "Champagne",
  "Aubigny",
  "Savigny",
  "Chavannes",
  "Rochefort",
  "Montreuil",
  "Clermont",
  "Vaux",
  "Brie",
];
const ARTICLE_HEADS = [
  "La Chapelle",
  "Le Mesnil",
  "Le Plessis",
  "La Ferté",
  "La Roche",
  "Les Essarts",
  "La Motte",
  "Le Bourg",
  "La Celle",
  "Le Vernet",
  "La Bastide",
  "La Salle",
  "Le Pont",
  "La Tour",
  "Le Château",
  "La Croix",
  "Le Puy",
  "La Garde",
  "Le Val",
  "Les Granges",
];
const PLURALS = [
  "Granges",
  "Essarts",
  "Loges",
  "Mées",
  "Baux",
  "Ulis",
  "Aix",
  "Herbiers",
  "Touches",
  "Pavillons",
  "Mureaux",
  "Clayes",
  "Ormes",
  "Rousses",
  "Arcs",
  "Salles",
  "Vans",
  "Eyzies",
  "Riceys",
  "Pieux",
];
const ROOT_P = [
  "Beau",
  "Bel",
  "Bon",
  "Mont",
  "Pont",
  "Roche",
  "Ville",
  "Val",
  "Cham",
  "Bois",
  "Mar",
  "Fer",
  "Gar",
  "Lor",
  "Ros",
  "Sau",
  "Ver",
  "Cour",
  "Pra",
  "Bru",
  "Cas",
  "Dar",
  "Châtel",
  "Font",
  "Mes",
  "Lam",
  "Sar",
  "Aub",
  "Mor",
  "Vil",
  "Mau",
  "Cler",
  "Vau",
  "Mon",
  "Ar",
  "Es",
  "Ben",
  "Gou",
  "Brou",
  "Char",
  "Chau",
  "Cor",
  "Lu",
  "Mal",
  "Mer",
  "Nor",
  "Or",
  "Per",
  "Pier",
  "Quin",
  "Sen",
  "Sou",
  "Tor",
  "Vaux",
  "Vi",
  "Aig",
  "Alb",
  "Aut",
  "Bar",
  "Bau",
  "Bla",
  "Bour",
  "Cha",
  "Cou",
  "Cré",
  "Dom",
  "Éper",
  "Fla",
  "Gen",
  "Gi",
  "Hau",
  "Jou",
  "La",
  "Lé",
  "Li",
  "Ma",
  "Mé",
  "Neu",
  "Pa",
  "Ré",
  "Sa",
  "Sé",
  "Ta",
  "Thi",
  "Va",
  "Ay",
  "Bé",
  "Cé",
  "Do",
  "Ga",
  "Jo",
  "Lo",
  "No",
  "Po",
  "Ro",
  "Sol",
  "Tou",
  "Vé",
];
const ROOT_M = [
  "",
  "",
  "",
  "",
  "",
  "a",
  "e",
  "i",
  "o",
  "an",
  "en",
  "er",
  "el",
  "on",
  "ou",
  "in",
  "ar",
  "is",
  "ur",
  "il",
  "ol",
  "ign",
  "ess",
  "ab",
];
const ROOT_S = [
  "ville",
  "court",
  "mont",
  "val",
  "champ",
  "fort",
  "lieu",
  "bourg",
  "ac",
  "an",
  "y",
  "ieux",
  "ières",
  "ay",
  "é",
  "ignac",
  "argues",
  "ange",
  "ois",
  "oux",
  "ès",
  "as",
  "ouse",
  "elles",
  "enne",
  "in",
  "on",
  "ard",
  "ette",
  "eau",
  "ans",
  "euil",
  "ly",
  "ny",
  "gny",
  "vic",
  "nac",
  "bec",
  "quier",
  "ivy",
  "ère",
  "aine",
  "ent",
  "at",
  "et",
  "ieu",
  "illy",
  "ogne",
  "onne",
  "oy",
  "ry",
  "sac",
  "tot",
  "villers",
  "ecourt",
  "ancourt",
  "igny",
  "ainville",
  "onville",
  "erre",
  "ise",
  "aux",
  "oles",
  "uzes",
  "ignan",
  "ols",
  "ède",
  "ey",
];
/** Regional flavours: [departments, prefixes, suffixes]. */
const REGIONS: [string[], string[], string[]][] = [
  [
    ["22", "29", "35", "56"],
    ["Plou", "Ker", "Lan", "Tré", "Gui", "Plé", "Lo", "Pen", "Loc", "Ploe", "Ploum", "Tre", "Le", "Lann", "Pleu"],
    [
      "gastel",
      "guer",
      "ven",
      "nevez",
      "dern",
      "ec",
      "ou",
      "an",
      "arzel",
      "mergat",
      "hinec",
      "bihan",
      "lédern",
      "vel",
      "lann",
      "ouët",
      "rivoal",
      "ézec",
      "goat",
      "ern",
      "iau",
      "ic",
    ],
  ],
  [
    ["57", "67", "68"],
    [
      "Ober",
      "Nieder",
      "Mittel",
      "Alt",
      "Neu",
      "Schwei",
      "Hoch",
      "Berg",
      "Ross",
      "Wald",
      "Stein",
      "Muhl",
      "Eck",
      "Hatt",
      "Lauter",
      "Ingwi",
      "Wiss",
      "Ham",
      "Bisch",
      "Ett",
      "Hom",
    ],
    [
      "heim",
      "willer",
      "dorf",
      "bach",
      "hoffen",
      "hausen",
      "holtz",
      "feld",
      "stein",
      "bourg",
      "ange",
      "viller",
      "kirch",
      "weiler",
      "brunn",
      "thal",
      "ing",
      "ach",
    ],
  ],
  [
    ["59", "62", "80", "02"],
    ["Hon", "Wat", "Hazé", "Stee", "Wor", "Bou", "Hor", "Ber", "Eps", "Ha", "Es", "Wam", "Hou", "Gon", "Bé", "Fré", "Qué", "Ren"],
    [
      "ghem",
      "hem",
      "court",
      "becque",
      "inghem",
      "ecques",
      "val",
      "ville",
      "aing",
      "ies",
      "elle",
      "ain",
      "ecourt",
      "eux",
      "ont",
      "es",
      "ercq",
      "erque",
    ],
  ],
  [
    ["09", "11", "12", "24", "30", "31", "32", "33", "34", "40", "46", "47", "64", "65", "66", "81", "82"],
    ["Cas", "Mon", "Lab", "Pey", "Gaud", "Mir", "Lau", "Bag", "Aig", "Esp", "Sal", "Cap", "Bal", "Gar", "Mau", "Ar", "Pu"],
    [
      "ac",
      "an",
      "argues",
      "ax",
      "os",
      "ous",
      "ès",
      "at",
      "eil",
      "ade",
      "ignan",
      "enx",
      "iès",
      "ats",
      "ens",
      "ols",
      "ère",
      "ouillac",
      "eyrac",
      "ejac",
      "aguet",
    ],
  ],
];

export interface Commune {
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

export interface Establishment {
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

export interface Geography {
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

export function communeRoot(r: Rng, department: string): string {
  const region = REGIONS.find(([ds]) => ds.includes(department));
  if (region && r.chance(0.55)) return capitalise(joinSyllables(r, [r.pick(region[1]), r.pick(ROOT_M), r.pick(region[2])]));
  return capitalise(joinSyllables(r, [r.pick(ROOT_P), r.pick(ROOT_M), r.pick(ROOT_S)]));
}

/** "DE X" / "D'X" (capitals). */
export function deName(head: string, word: string): string {
  return head.endsWith(" DE") && VOWEL_START.test(word) ? `${head.slice(0, -2)}D'${word}` : `${head} ${word}`;
}

export function saintName(r: Rng): string {
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
  if (u < 0.93)
    return r.pick(["les-Bains", "les-Vignes", "les-Dames", "les-Bois", "les-Pins", "des-Bois", "des-Champs", "du-Bois", "des-Prés"]);
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
  const w = c.pop ** 0.95;
  return c.name === "Paris" && c.department === "75" ? w * 3 : c.hosp ? w * 1.5 : w;
}

export function streetTypeOf(r: Rng): string {
  return STREET_TYPES[r.weighted(STREET_TYPE_CUM)]![0];
}

// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: draws from the seeded generator in a fixed order; the demo directory must stay byte-identical for a given seed, so the sequence is kept as written
function establishmentName(r: Rng, kind: Kind, c: Commune, surname: () => string): string {
  const of = ofPlace(c.name);
  switch (kind.key) {
    case "ch":
      return r.chance(0.8)
        ? `Centre hospitalier ${of}`
        : `Centre hospitalier ${r.pick(["Jacques Cœur", "Émile Roux", "Louis Pasteur", "Pierre Oudot", "Simone Veil", "Robert Ballanger", "Victor Dupouy", "Henri Mondor", "Jean Monnet", "Sud Francilien"])} ${of}`;
    case "chi":
      return `Centre hospitalier intercommunal ${of}`;
    case "hl":
      return r.chance(0.5) ? `Hôpital local ${of}` : `Centre hospitalier de proximité ${of}`;
    case "chs":
      return r.chance(0.5) ? `Centre hospitalier spécialisé ${of}` : `Établissement public de santé mentale ${of}`;
    case "clinique": {
      const u = r.float();
      if (u < 0.3) return `Clinique ${saintName(r)}`;
      if (u < 0.5)
        return `Clinique ${r.pick(["du Parc", "du Val", "des Cèdres", "des Lilas", "du Pont", "de l'Union", "du Château", "des Alpes", "du Littoral", "de la Source", "du Mail", "des Fontaines", "Pasteur", "Bel-Air", "Beau Soleil", "Belledonne", "de la Croix Blanche"])}`;
      if (u < 0.75) return `Clinique ${of}`;
      return `Clinique ${titleCase(r.pick(TREES))}`;
    }
    case "polyclinique":
      return r.chance(0.5) ? `Polyclinique ${of}` : `Polyclinique ${saintName(r)}`;
    case "hp":
      return r.chance(0.6)
        ? `Hôpital privé ${of}`
        : `Hôpital privé ${r.pick(["Jean Mermoz", "Jacques Cartier", "Nord Parisien", "des Peupliers", "Saint-Martin", "du Val d'Or", "de l'Estuaire", "Arnault Tzanck", "Marne Chantereine", "Sévigné"])}`;
    case "ehpad": {
      const u = r.float();
      if (u < 0.35) return `EHPAD Les ${titleCase(r.pick(TREES))}`;
      if (u < 0.6)
        return `EHPAD Résidence ${r.pick(["Le Clos", "La Roseraie", "Les Jardins", "Le Parc", "Les Terrasses", "La Source", "Les Vergers", "Le Belvédère", "Les Charmilles", "L'Orée du Bois"])}${r.chance(0.3) ? ` ${of}` : ""}`;
      if (u < 0.8) return `EHPAD ${saintName(r)}`;
      return `EHPAD ${of}`;
    }
    case "lbm":
      return r.chance(0.4)
        ? `Laboratoire de biologie médicale ${of}`
        : r.chance(0.5)
          ? `Laboratoire ${titleCase(surname())}`
          : `Laboratoire Bio${slug(c.name).split("-")[0]!}`;
    case "imagerie":
      return r.chance(0.5) ? `Centre d'imagerie médicale ${of}` : `Cabinet de radiologie ${r.chance(0.5) ? titleCase(surname()) : of}`;
    case "cds":
      return r.chance(0.5)
        ? `Centre de santé municipal ${of}`
        : `Centre de santé ${r.pick(["mutualiste", "dentaire", "infirmier", "polyvalent"])} ${of}`;
    case "cmp":
      return `Centre médico-psychologique ${of}`;
    case "ssr":
      return r.chance(0.5)
        ? `Centre de rééducation fonctionnelle ${of}`
        : `Soins de suite et de réadaptation ${r.chance(0.5) ? saintName(r) : of}`;
    case "dialyse":
      return `Centre de dialyse ${of}`;
    default:
      return `Maison de santé pluriprofessionnelle ${of}`;
  }
}

/** What the geography needs from the mailbox generator: surnames and street lines (no geography of its own). */
interface NamesAndStreets {
  baseSurname(): string;
  streetFields(always: boolean): { number: string; complement: string; streetType: string; streetName: string };
}

/** Builds the geography; `namer(seed)` makes the generator of the establishments' names and streets. */
// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: draws from the seeded generator in a fixed order; the demo directory must stay byte-identical for a given seed, so the sequence is kept as written
export function buildGeography(namer: (seed: number) => NamesAndStreets): Geography {
  const r = new Rng(GEOGRAPHY_SEED);
  const communes = buildCommunes(r);
  const communeCum = cumulative(communes.map(communeWeight));
  const byDepartment = new Map<string, { communes: Commune[]; cum: Float64Array }>();
  for (const [dept] of DEPARTMENTS) {
    const list = communes.filter((c) => c.department === dept);
    byDepartment.set(dept, { communes: list, cum: cumulative(list.map(communeWeight)) });
  }
  const faker = namer(GEOGRAPHY_SEED + 1);
  const establishments: Establishment[] = [];
  const domains = new Set<string>();
  const names = new Set<string>();
  // Private groups running one domain for several clinics or EHPAD.
  const groups = Array.from({ length: 220 }, () => `groupe-${slug(communeRoot(r, "00"))}`);
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: draws from the seeded generator in a fixed order; the demo directory must stay byte-identical for a given seed, so the sequence is kept as written
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
      l2:
        kind.hospital && r.chance(0.3)
          ? r.pick(["BÂTIMENT A", "BÂTIMENT B", "PAVILLON 2", "HALL 1", "SITE NORD", "SITE SUD", "NIVEAU 0", "AILE EST"])
          : "",
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
    const name =
      c.hosp === "aphp"
        ? "AP-HP"
        : c.hosp === "ap-hm"
          ? "AP-HM"
          : chu
            ? `Centre hospitalier universitaire ${ofPlace(c.name)}`
            : `Centre hospitalier ${ofPlace(c.name)}`;
    const size = chu ? (c.pop > 1000 ? 2500 : c.pop > 400 ? 900 : 450) : 120;
    // Large university hospitals have several sites, each with its address, one mail domain.
    const sites = size >= 2500 ? 12 : size >= 900 ? 4 : size >= 450 ? 2 : 1;
    const patrons = [...HOSPITAL_SITES];
    for (let i = 0; i < sites; i++) {
      const site = sites > 1 ? ` - Hôpital ${patrons.splice(r.int(patrons.length), 1)[0]!}` : "";
      addEstablishment({ ...kindOf("ch"), size: size / sites }, c, name + site, c.hosp);
    }
    if (chu && c.pop > 250)
      addEstablishment(
        { ...kindOf("ch"), key: "cancer", prefix: "cancerologie", size: 90 },
        c,
        `Institut de cancérologie ${ofPlace(c.name)}`,
        "",
      );
  }
  const townCum = cumulative(communes.map((c) => c.pop ** 1.25));
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

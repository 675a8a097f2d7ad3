/**
 * The generator's mailboxes: people (one line per practice situation) and organisations, drawn from
 * the word tables and placed in the fixed geography. Same seed → same mailboxes.
 */
import { titleCase } from "../../../shared/domain/title-case.ts";
import { Rng } from "./random.ts";
import {
  asciiLocal,
  DATES,
  FAMOUS,
  FEATURE_ADJ,
  FEATURES,
  GIVEN_F,
  GIVEN_M,
  LIEUDIT_HEADS,
  MONTHS,
  ofPlace,
  ORG_BOXES,
  PARTICLE_SURNAME_CUM,
  PARTICLE_SURNAMES,
  PLACES_NAMES,
  PROFESSION_POOL,
  ROAD_TYPES,
  SERVICES,
  SOFTWARE,
  stripAccents,
  SUFFIX,
  SURNAMES,
  SYL_A,
  SYL_B,
  SYL_C,
  TITLES,
  TREES,
  YEARS,
  type Profession,
} from "./words.ts";
import {
  buildGeography,
  communeRoot,
  deName,
  saintName,
  streetTypeOf,
  type Commune,
  type Establishment,
  type Geography,
} from "./geography.ts";

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

export interface Row {
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

const CIVILITY_EMPTY_RATE = 0.03;

let geography: Geography | null = null;

/** The geography, built once (it does not depend on the seed). */
function getGeography(): Geography {
  geography ??= buildGeography((seed) => new DirectoryFaker(seed, null));
  return geography;
}

export class DirectoryFaker {
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
    // One draw, as r.pick was: the rest of a seed's sequence is unchanged.
    if (u < 0.98) return PARTICLE_SURNAMES[r.weighted(PARTICLE_SURNAME_CUM)]![0];
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
    if (r.chance(0.06))
      return `${female ? r.pick(["Marie", "Anne", "Marie", "Louise"]) : r.pick(["Jean", "Pierre", "Jean", "Paul"])}-${r.pick(list)}`;
    return r.zipf(list);
  }

  /** A street name (without its type) from a large space, in capitals. */
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: draws from the seeded generator in a fixed order; the demo directory must stay byte-identical for a given seed, so the sequence is kept as written
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
    const n = 1 + Math.floor(180 * r.float() ** 2.2);
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
      l2: r.chance(0.04)
        ? r.pick([
            "RÉSIDENCE LES TILLEULS",
            "1ER ÉTAGE",
            "BÂTIMENT B",
            "REZ-DE-CHAUSSÉE",
            "CENTRE COMMERCIAL",
            "ESPACE SANTÉ",
            "PÔLE MÉDICAL",
            "APPARTEMENT 3",
          ])
        : "",
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
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: draws from the seeded generator in a fixed order; the demo directory must stay byte-identical for a given seed, so the sequence is kept as written
  private liberalOrganisation(prof: Profession, surname: string, c: Commune, skill: string): string {
    const r = this.rng;
    const name = titleCase(surname);
    const of = ofPlace(c.name);
    const u = r.float();
    switch (prof.code) {
      case "21":
        if (skill === "Biologie médicale") return r.chance(0.5) ? `Laboratoire de biologie médicale ${of}` : `Laboratoire ${name}`;
        if (u < 0.2)
          return r.pick([
            "Pharmacie du Centre",
            "Pharmacie de la Gare",
            "Pharmacie des Halles",
            "Pharmacie du Marché",
            "Pharmacie de la Poste",
            "Pharmacie de l'Église",
            "Pharmacie du Port",
          ]);
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
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: draws from the seeded generator in a fixed order; the demo directory must stay byte-identical for a given seed, so the sequence is kept as written
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

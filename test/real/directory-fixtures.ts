/** Known mailboxes placed in generated extractions by the directory test suites. */
import type { FixtureEntry } from "../../scripts/generate-directory.ts";

export const FIXTURES: FixtureEntry[] = [
  {
    email: "anne.lefevre-durand@medecin.mssante.fr",
    idNat: "810009876543",
    surname: "Lefèvre-Durand",
    givenName: "Anne",
    civility: "DR",
    profession: "Médecin",
    specialty: "Cardiologie et maladies vasculaires",
    places: [
      { organisation: "Cabinet de cardiologie", city: "LYON", postalCode: "69003" },
      { organisation: "CHU de Saint-Étienne", city: "SAINT-ÉTIENNE", postalCode: "42000" },
    ],
  },
  {
    email: "awa.ndiaye@medecin.mssante.fr",
    idNat: "810009876544",
    surname: "N'DIAYE",
    givenName: "Awa",
    civility: "DR",
    profession: "Médecin",
    specialty: "Pédiatrie",
    places: [{ city: "SAINT-ÉTIENNE", postalCode: "42100" }],
  },
  {
    type: "ORG",
    email: "secretariat.cardiologie@hôpital-test.fr",
    places: [{ organisation: "Hôpital Test", service: "Secrétariat de cardiologie", city: "NANTES", postalCode: "44000" }],
  },
];

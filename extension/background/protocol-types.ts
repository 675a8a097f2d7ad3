/**
 * The protocol's data as the extension receives it: the static types of the shared schemas (what
 * the validator actually guarantees). Some are wider than shared/domain's (string unions built
 * with .map() become string), so the extension never assumes more than was checked.
 */
import type { Result } from "../../shared/protocol/schemas.ts";

export type CardState = Result<"card.getState">;
export type PinInfo = Result<"card.getPinStatus">;
export type Identity = Result<"card.getIdentity">;
export type Entry = Result<"directory.search">["results"][number];
export type Target = Result<"discovery.discover">["targets"][number];

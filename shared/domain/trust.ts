/**
 * The MSSanté trust space (whitelist of operator domains) and server discovery: the static types
 * of the protocol's schemas (shared/protocol/schemas.ts), where their fields are described.
 */
import type { Static } from "@sinclair/typebox";
import type {
  CardLoginSchema,
  DiscoverySchema,
  PscLoginSchema,
  ServerTargetSchema,
  TrustDecisionSchema,
  TrustListSchema,
} from "../protocol/schemas.ts";

export type TrustDecision = Static<typeof TrustDecisionSchema>;
export type TrustVerdict = TrustDecision["verdict"];

export type TrustList = Static<typeof TrustListSchema>;

export type ServerTarget = Static<typeof ServerTargetSchema>;
/** Pro Santé Connect front (priority 10) or certificate front (priority 20), per Référentiel #2. */
export type Front = ServerTarget["front"];

/**
 * The servers and Thunderbird settings of a card login, chosen by the bridge with its operator
 * policies (config `discovery.policies`): the one source of which front and login method an
 * operator accepts. Auth methods are Thunderbird's nsMsgAuthMethod values (7 = External).
 */
export type CardLogin = Static<typeof CardLoginSchema>;

/** The IMAP user name of a card login (the SASL EXTERNAL authorisation id Thunderbird sends). */
export type CardLoginName = NonNullable<CardLogin["loginName"]>;

/** A Pro Santé Connect login: the PSC front's servers and the OAuth2 provider to register. */
export type PscLogin = Static<typeof PscLoginSchema>;

/** What discovery answers, as the protocol carries it: cardLogin may be missing (older bridges). */
export type DiscoveryMessage = Static<typeof DiscoverySchema>;

/**
 * What this bridge's discovery answers: every target found, and the ones a card login uses. The
 * wire keeps cardLogin optional for bridges from before it; this one always sends it.
 */
export type Discovery = Required<Omit<DiscoveryMessage, "pscLogin">> & Pick<DiscoveryMessage, "pscLogin">;

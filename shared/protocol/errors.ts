/** JSON-RPC error codes: the standard ones, then the bridge's (-32000 … -32099). */
export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,

  NOT_AUTHENTICATED: -32001,
  AUTHENTICATION_FAILED: -32002,
  NOT_PAIRED: -32003,
  PAIRING_FAILED: -32004,
  RATE_LIMITED: -32005,
  UNSUPPORTED_VERSION: -32006,
  TIMEOUT: -32007,
  BUSY: -32008,

  PCSC_UNAVAILABLE: -32010,
  NO_READER: -32011,
  CARD_REMOVED: -32012,
  UNKNOWN_CARD: -32013,
  MODULE_UNAVAILABLE: -32014,
  TOKEN_ERROR: -32015,
  CERTIFICATE_NOT_FOUND: -32016,
  SEVERAL_CARDS: -32017,

  DIRECTORY_UNAVAILABLE: -32020,
  IMPORT_FAILED: -32021,
  IMPORT_IN_PROGRESS: -32022,
  LDAP_ERROR: -32023,

  TRUST_LIST_UNAVAILABLE: -32030,
  DISCOVERY_FAILED: -32031,
  INVALID_ADDRESS: -32032,
  INSTALL_FAILED: -32040,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

const NAMES = new Map<number, ErrorCodeName>((Object.entries(ErrorCode) as [ErrorCodeName, number][]).map(([k, v]) => [v, k]));

export function errorName(code: number): ErrorCodeName | "UNKNOWN" {
  return NAMES.get(code) ?? "UNKNOWN";
}

/**
 * A typed protocol error. `message` is for people (French first: the extension shows its own
 * localised text by `code`; the bridge's message is an English fallback that says what to do).
 * Never put a secret, a PIN, a message body or a patient identifier in `message` or `data`.
 */
export class BridgeError extends Error {
  readonly code: ErrorCodeValue;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: ErrorCodeValue, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = `BridgeError(${errorName(code)})`;
    this.code = code;
    this.data = data;
  }
}

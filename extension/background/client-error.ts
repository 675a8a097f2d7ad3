/** Typed errors of the bridge client: a bridge error code by name, or a client-side condition. */
import { errorName, type ErrorCodeName } from "../../shared/protocol/errors.ts";

export type ClientErrorCode =
  | ErrorCodeName
  | "UNKNOWN"
  | "NOT_CONNECTED" // no authenticated connection to the bridge right now
  | "CONNECTION_CLOSED" // the connection closed while the request was pending
  | "REQUEST_TIMEOUT" // the bridge did not answer in time
  | "INVALID_REPLY" // the reply did not match the protocol's schema: not trusted
  | "NOT_THE_BRIDGE" // the peer could not prove the pairing secret
  | "NATIVE_UNAVAILABLE"; // native messaging host missing or failing

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** The JSON-RPC error code when the bridge answered with an error. */
  readonly bridgeCode: number | undefined;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: ClientErrorCode, message: string, bridgeCode?: number, data?: Record<string, unknown>) {
    super(message);
    this.name = `ClientError(${code})`;
    this.code = code;
    this.bridgeCode = bridgeCode;
    this.data = data;
  }

  static fromRpc(err: { code: number; message: string; data?: Record<string, unknown> }): ClientError {
    return new ClientError(errorName(err.code), err.message, err.code, err.data);
  }
}

export function errorCodeOf(e: unknown): ClientErrorCode {
  return e instanceof ClientError ? e.code : "UNKNOWN";
}

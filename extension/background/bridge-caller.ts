/** What the features need of the bridge client: is it up, and a typed call. Fakes implement this in tests. */
import type { MethodName, Params, Result } from "../../shared/protocol/schemas.ts";

export interface BridgeCaller {
  readonly connected: boolean;
  call<M extends MethodName>(method: M, params: Params<M>, timeoutMs?: number): Promise<Result<M>>;
}

/** Pages → background (see background/page-api.ts). Bridge errors come back as {code, message}. */
import type { MethodName, Params, Result } from "../../../shared/protocol/schemas.ts";
import type { PageReply } from "../../background/page-api.ts";
import { getMessenger } from "../../background/messenger-types.ts";
import type { ExtensionStatus } from "../../background/status.ts";

export async function callBridge<M extends MethodName>(method: M, params: Params<M>, timeoutMs?: number): Promise<Result<M>> {
  const r = (await getMessenger().runtime.sendMessage({ kind: "bridge.call", method, params, timeoutMs })) as
    | PageReply<Result<M>>
    | undefined;
  if (!r) throw { code: "NOT_CONNECTED", message: "background not answering" };
  if (!r.ok) throw r.error;
  return r.result;
}

export async function getStatus(): Promise<ExtensionStatus> {
  return (await getMessenger().runtime.sendMessage({ kind: "status.get" })) as ExtensionStatus;
}

export function onStatus(listener: (s: ExtensionStatus) => void): void {
  getMessenger().runtime.onMessage.addListener((msg: unknown): undefined => {
    const m = msg as { kind?: string; status?: ExtensionStatus };
    if (m && m.kind === "status" && m.status) listener(m.status);
  });
}

export async function send<T = { ok: boolean; error?: { code: string; message: string } }>(msg: Record<string, unknown>): Promise<T> {
  return (await getMessenger().runtime.sendMessage(msg)) as T;
}

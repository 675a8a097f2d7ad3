/**
 * Validation of protocol messages with the TypeBox schemas. Interpretive (`Value.Check`), not
 * compiled: extension pages forbid eval, and the same code must run on both sides.
 */
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { Methods, Notifications, type MethodName, type NotificationName, type Result } from "./schemas.ts";

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(Methods, name);
}

export function isNotificationName(name: string): name is NotificationName {
  return Object.hasOwn(Notifications, name);
}

/** First validation error as a short path + message, or null when valid. Never echoes values. */
export function firstError(schema: TSchema, value: unknown): string | null {
  if (Value.Check(schema, value)) return null;
  const e = Value.Errors(schema, value).First();
  return e ? `${e.path || "/"}: ${e.message}` : "invalid";
}

export function checkParams(method: MethodName, params: unknown): string | null {
  return firstError(Methods[method].params, params ?? {});
}

export function checkResult(method: MethodName, result: unknown): string | null {
  return firstError(Methods[method].result, result);
}

/** True when `result` is a valid reply to `method`: a type guard, so callers need no cast. */
export function isResult<M extends MethodName>(method: M, result: unknown): result is Result<M> {
  return Value.Check(Methods[method].result, result);
}

export function checkNotification(name: NotificationName, params: unknown): string | null {
  return firstError(Notifications[name], params);
}

/**
 * The extension's console log. Every line starts with "[mss]" so a test driver reading
 * Thunderbird's stdout (devtools.console.stdout.content=true) can pick them out. Callers pass
 * only states, codes and host names: never a secret, a PIN, a message body or a patient id.
 */
export const LOG_PREFIX = "[mss]";

export function log(event: string, detail?: Record<string, string | number | boolean | null>): void {
  const extra = detail ? ` ${JSON.stringify(detail)}` : "";
  console.info(`${LOG_PREFIX} ${event}${extra}`);
}

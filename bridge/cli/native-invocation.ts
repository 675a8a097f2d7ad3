/**
 * How Thunderbird starts a native-messaging host: the manifest's `path`, with two arguments — the
 * manifest's own path and the add-on id (on every OS). The packages point the system-wide manifest
 * straight at the executable (no shell launcher, no console window on Windows), so the command line
 * recognises that call and runs `native-host` with the same two arguments (which it checks).
 */
import path from "node:path";
import { NATIVE_HOST_NAME } from "../../shared/constants.ts";

/** The arguments to run instead (after argv[0..1]), or null when this is an ordinary command line. */
export function nativeHostInvocation(args: readonly string[]): string[] | null {
  const [manifest, ...rest] = args;
  if (manifest === undefined || rest.length > 2 || (!path.isAbsolute(manifest) && !path.win32.isAbsolute(manifest))) return null;
  if (path.basename(manifest.replace(/\\/g, "/")) !== `${NATIVE_HOST_NAME}.json`) return null;
  return ["native-host", manifest, ...rest];
}

/**
 * The `mssante_bridge` native-messaging manifest Thunderbird reads to start our pairing host, and
 * the small launcher it points at (a manifest's `path` takes no arguments, so the launcher carries
 * node, this CLI and the data directory). Locations per OS from docs/domain/thunderbird.md / Mozilla's docs.
 */
import path from "node:path";
import { ADDON_ID, NATIVE_HOST_NAME } from "../../shared/constants.ts";
import { RUNNING_AS_EXECUTABLE } from "../platform/executable.ts";
import { packageFile } from "../platform/package-root.ts";

export interface NativeManifest {
  name: string;
  description: string;
  path: string;
  type: "stdio";
  allowed_extensions: string[];
}

export function nativeManifest(launcherPath: string): NativeManifest {
  return {
    name: NATIVE_HOST_NAME,
    description: "MSSanté bridge: pairs the MSSanté Thunderbird extension with the local bridge",
    path: launcherPath,
    type: "stdio",
    allowed_extensions: [ADDON_ID],
  };
}

/** Where Thunderbird looks for a user-level native-messaging manifest (Windows: see registryKey). */
export function nativeManifestPath(home: string, platform: NodeJS.Platform, dataDir: string): string {
  switch (platform) {
    case "darwin":
      return path.join(home, "Library", "Application Support", "Mozilla", "NativeMessagingHosts", `${NATIVE_HOST_NAME}.json`);
    case "win32":
      // Windows reads the manifest's location from the registry; the file itself can live anywhere.
      return path.join(dataDir, `${NATIVE_HOST_NAME}.json`);
    default:
      return path.join(home, ".mozilla", "native-messaging-hosts", `${NATIVE_HOST_NAME}.json`);
  }
}

export const WINDOWS_REGISTRY_KEY = `HKCU\\Software\\Mozilla\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`;

export function launcherPath(dataDir: string, platform: NodeJS.Platform): string {
  return path.join(dataDir, platform === "win32" ? "native-host.bat" : "native-host.sh");
}

/** The CLI entry point of this installation (bin/mss-bridge.mjs); null in the single executable, which is its own. */
export function cliEntry(): string | null {
  return RUNNING_AS_EXECUTABLE ? null : packageFile("bin/mss-bridge.mjs");
}

/** The program and its first arguments to run one of this installation's commands (Node flags only where Node takes them). */
export function selfCommand(nodeFlags: readonly string[] = []): { file: string; args: string[] } {
  const cli = cliEntry();
  return { file: process.execPath, args: cli === null ? [] : [...nodeFlags, cli] };
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `cli` null: `nodePath` is the single executable, which takes the command itself. */
export function launcherScript(nodePath: string, cli: string | null, dataDir: string, platform: NodeJS.Platform): string {
  if (platform === "win32") {
    const program = cli === null ? `"${nodePath}"` : `"${nodePath}" "${cli}"`;
    return `@echo off\r\nrem Written by mss-bridge install: Thunderbird starts this for the ${NATIVE_HOST_NAME} host.\r\n${program} native-host --data-dir "${dataDir}" %*\r\n`;
  }
  return [
    "#!/bin/sh",
    `# Written by \`mss-bridge install\`: Thunderbird starts this for the ${NATIVE_HOST_NAME} native-messaging host.`,
    `exec ${shQuote(nodePath)}${cli === null ? "" : ` ${shQuote(cli)}`} native-host --data-dir ${shQuote(dataDir)} "$@"`,
    "",
  ].join("\n");
}

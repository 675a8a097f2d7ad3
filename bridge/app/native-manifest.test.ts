import { describe, expect, it } from "vitest";
import { launcherScript, nativeManifest, nativeManifestPath } from "./native-manifest.ts";

describe("native-messaging manifest", () => {
  it("allows only our add-on and points at the launcher", () => {
    const m = nativeManifest("/home/u/.local/share/mss-bridge/native-host.sh");
    expect(m).toMatchObject({ name: "mssante_bridge", type: "stdio", allowed_extensions: ["mssante-thunderbird@mss-bridge"] });
  });
  it("lives where Thunderbird looks on each OS", () => {
    expect(nativeManifestPath("/home/u", "linux", "/d")).toBe("/home/u/.mozilla/native-messaging-hosts/mssante_bridge.json");
    expect(nativeManifestPath("/Users/u", "darwin", "/d")).toBe(
      "/Users/u/Library/Application Support/Mozilla/NativeMessagingHosts/mssante_bridge.json",
    );
  });
  it("quotes paths with spaces and quotes in the launcher", () => {
    const s = launcherScript("/usr/bin/node", "/opt/it's here/bin/mss-bridge.mjs", "/home/u/data dir", "linux");
    expect(s).toContain(`'/opt/it'\\''s here/bin/mss-bridge.mjs'`);
    expect(s).toContain(`--data-dir '/home/u/data dir' "$@"`);
  });
  it("runs the single executable itself, with no Node and no script, when there is no CLI file", () => {
    const s = launcherScript("/usr/lib/mss-bridge/mss-bridge", null, "/home/u/data", "linux");
    expect(s).toContain(`exec '/usr/lib/mss-bridge/mss-bridge' native-host --data-dir '/home/u/data' "$@"`);
    const w = launcherScript("C:\\Program Files\\MSSante\\mss-bridge.exe", null, "C:\\d", "win32");
    expect(w).toContain(`"C:\\Program Files\\MSSante\\mss-bridge.exe" native-host --data-dir "C:\\d" %*`);
  });
});

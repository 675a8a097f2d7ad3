import { describe, expect, it } from "vitest";
import { nativeHostInvocation } from "./native-invocation.ts";

describe("the executable started by Thunderbird through the system manifest", () => {
  it("runs native-host with the manifest's path and the add-on id (Linux and Windows paths)", () => {
    const linux = ["/usr/lib/mozilla/native-messaging-hosts/mssante_bridge.json", "mssante-thunderbird@mss-bridge"];
    expect(nativeHostInvocation(linux)).toEqual(["native-host", ...linux]);
    const win = ["C:\\Program Files\\MSSante\\Bridge\\mssante_bridge.json", "mssante-thunderbird@mss-bridge"];
    expect(nativeHostInvocation(win)).toEqual(["native-host", ...win]);
    // Without the add-on id: still the host, which refuses it (its own check, with its message).
    expect(nativeHostInvocation([linux[0]!])).toEqual(["native-host", linux[0]]);
  });

  it("leaves ordinary command lines alone", () => {
    for (const args of [
      [],
      ["status"],
      ["native-host", "/x/mssante_bridge.json", "id"],
      ["relative/mssante_bridge.json", "id"],
      ["/x/other.json", "id"],
      ["/x/mssante_bridge.json", "a", "b", "c"],
    ]) {
      expect(nativeHostInvocation(args), args.join(" ")).toBeNull();
    }
  });
});

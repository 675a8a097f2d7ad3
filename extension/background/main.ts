/** Entry point of the background page (bundled by scripts/build.mjs into background.js). */
import { startBackground } from "./background.ts";
import { getMessenger } from "./messenger-types.ts";
import type { WebSocketLike } from "./rpc-connection.ts";

/** Set by scripts/build.mjs: true only for a test/demo build (built with extra test CAs). */
declare const __MSS_TEST_BUILD__: boolean;

startBackground(getMessenger(), {
  createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  testBuild: __MSS_TEST_BUILD__,
});

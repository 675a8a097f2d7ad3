/** Entry point of the background page (bundled by scripts/build.mjs into background.js). */
import { startBackground } from "./background.ts";
import { getMessenger } from "./messenger-types.ts";
import type { WebSocketLike } from "./rpc-connection.ts";

startBackground(getMessenger(), {
  createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
});

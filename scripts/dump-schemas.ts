/**
 * Writes docs/protocol.schema.json: the protocol's JSON Schemas (envelope, every method's params and
 * result, every notification) from the TypeBox definitions in shared/protocol, plus the error codes
 * and limits. `node --import tsx scripts/dump-schemas.ts [out.json]`; `--check` fails if stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ErrorCode } from "../shared/protocol/errors.ts";
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES, RequestSchema } from "../shared/protocol/jsonrpc.ts";
import { Methods, Notifications, PRE_AUTH_METHODS } from "../shared/protocol/schemas.ts";
import { PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "../shared/protocol/version.ts";
import { WS_PATH } from "../shared/constants.ts";

export function protocolSchemaDocument(): unknown {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "MSSanté bridge protocol (JSON-RPC 2.0 over WebSocket)",
    protocolVersion: PROTOCOL_VERSION,
    supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    path: WS_PATH,
    limits: { maxMessageBytes: MAX_MESSAGE_BYTES, maxJsonDepth: MAX_JSON_DEPTH },
    preAuthMethods: PRE_AUTH_METHODS,
    request: RequestSchema,
    methods: Object.fromEntries(
      Object.entries(Methods).map(([name, m]) => [name, { preAuth: m.preAuth, params: m.params, result: m.result }]),
    ),
    notifications: Notifications,
    errorCodes: ErrorCode,
  };
}

/** JSON text without TypeBox's symbol keys (JSON.stringify drops them). */
export function protocolSchemaJson(): string {
  return `${JSON.stringify(protocolSchemaDocument(), null, 2)}\n`;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith("--")) ?? fileURLToPath(new URL("../docs/protocol.schema.json", import.meta.url));
  const text = protocolSchemaJson();
  if (args.includes("--check")) {
    let old = "";
    try {
      old = readFileSync(out, "utf8");
    } catch {}
    if (old !== text) {
      process.stderr.write(`${out} is out of date: run node --import tsx scripts/dump-schemas.ts\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
    process.stdout.write(`wrote ${out}\n`);
  }
}

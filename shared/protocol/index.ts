export * from "./version.ts";
export * from "./errors.ts";
export * from "./jsonrpc.ts";
export * from "./schemas.ts";
export * from "./validate.ts";

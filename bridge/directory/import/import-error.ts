/** Why an import failed: the input is bad (exit 3) or reading/writing/network failed (exit 4). */
export class ImportError extends Error {
  constructor(
    readonly kind: "input" | "io",
    message: string,
  ) {
    super(message);
    this.name = "ImportError";
  }
}

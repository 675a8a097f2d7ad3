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

/** A failed file operation as an ImportError saying what to do (`what`: "writing the new index"…). */
export function ioError(e: unknown, what: string): ImportError {
  if (e instanceof ImportError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOSPC")
    return new ImportError(
      "io",
      `The disk is full while ${what}. Free some space and import again; the previous directory is still in use.`,
    );
  if (err.code === "EACCES" || err.code === "EPERM" || err.code === "EROFS") {
    return new ImportError(
      "io",
      `Permission denied while ${what} (${err.message}). A shared read-only index must be imported by its owner.`,
    );
  }
  if (err.code === "ENOENT") return new ImportError("input", `File not found while ${what}: ${err.message}. Check the path.`);
  return new ImportError("io", `Failed while ${what}: ${err.message}`);
}

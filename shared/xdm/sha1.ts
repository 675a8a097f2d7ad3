/** SHA-1 of a document, lower-case hex, as XDS metadata give it (the `hash` slot); WebCrypto, in both programs. */
export async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const digest = await globalThis.crypto.subtle.digest("SHA-1", copy);
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

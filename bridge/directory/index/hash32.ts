/** FNV-1a over UTF-16 code units: stable, fast, good enough to bucket exact lookups (addresses, idNat). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 32-bit hash that is the same on every instance and version of Node, spread evenly even for ids
 * differing in one character (ours are time-ordered): FNV-1a over the UTF-16 code units, then
 * murmur3's finaliser. Variant draws, day-start offsets and holdout buckets all derive from it.
 */
export function stableHash32(input: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** {@link stableHash32} as a fraction in [0, 1). */
export function unitHash(input: string): number {
  return stableHash32(input) / 2 ** 32;
}

/**
 * The population's dice: each draw is a pure function of its key (seed, target or referral id,
 * day, what is drawn), so an outcome never depends on the order in which messages, receipts or
 * referrals happen to be processed — nor on how many draws were made before it.
 */
export function draw(seed: number, ...key: Array<string | number>): number {
  return mulberry32(cyrb53(`${seed}\u0000${key.join("\u0000")}`))();
}

/** A uniform instant offset in [minMs, maxMs), drawn like {@link draw}. */
export function drawDelay(minMs: number, maxMs: number, seed: number, ...key: Array<string | number>): number {
  return Math.floor(minMs + draw(seed, ...key) * (maxMs - minMs));
}

/** cyrb53 (public domain): a fast 53-bit string hash with good avalanche; folded to 32 bits. */
function cyrb53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/** mulberry32: the seeded PRNG whose first output is the draw. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import type { Clock } from "../ports/clock.js";

/**
 * Ids that sort by creation time (ms since epoch in base 36, then a per-process sequence and
 * random letters), so that cursor pagination by id is stable while new targets arrive.
 */
export function timeOrderedIds(clock: Clock, random: () => number): () => string {
  let lastMs = -1;
  let sequence = 0;
  return () => {
    const ms = clock.now().getTime();
    sequence = ms === lastMs ? sequence + 1 : 0;
    lastMs = ms;
    const noise = Math.floor(random() * 36 ** 6).toString(36).padStart(6, "0");
    return `${ms.toString(36).padStart(9, "0")}${sequence.toString(36).padStart(3, "0")}${noise}`;
  };
}

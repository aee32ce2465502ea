const STOP_KEYWORDS = new Set(["STOP", "ARRET", "STOP ALL", "UNSUBSCRIBE", "DESABONNER"]);

/** Upper-case, accents removed, inner spaces collapsed, trailing punctuation dropped. */
function normalizeReply(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .trim()
    .replace(/[\s.!]+$/u, "")
    .replace(/\s+/g, " ")
    .toUpperCase();
}

/** True when the whole reply is an opt-out keyword (STOP, ARRÊT, unsubscribe, désabonner...). */
export function isStopReply(text: string): boolean {
  return STOP_KEYWORDS.has(normalizeReply(text));
}

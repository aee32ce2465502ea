/** Pages speak French unless the browser prefers English (Accept-Language), or `?lang=` says so. */
export type Lang = "fr" | "en";

export const LANGS: readonly Lang[] = ["fr", "en"];

/** The first of fr/en in the visitor's preference order (q-values honoured); French otherwise. */
export function pickLanguage(acceptLanguage: string | undefined, override?: string): Lang {
  if (override === "fr" || override === "en") return override;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { base: tag.split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && Number.isFinite(entry.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const first = ranked.find((entry) => entry.base === "fr" || entry.base === "en");
  return (first?.base as Lang | undefined) ?? "fr";
}

/** One dictionary per language, with the same keys (the type checker holds them together). */
export type Dictionary<K extends string> = Record<Lang, Record<K, string>>;

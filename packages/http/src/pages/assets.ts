import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CLIENT_SCRIPTS, loadClientScript } from "./client-scripts.js";
import { PAGES_CSS } from "./styles.js";

export interface Asset {
  type: string;
  /** The text, or how to get it on first use (then kept). */
  body: string | (() => string | Promise<string>);
}

const JS = "text/javascript; charset=utf-8";

/** Chart.js's own UMD build, read from node_modules on first use: no CDN, no build step. */
function chartJs(): string {
  const entry = createRequire(import.meta.url).resolve("chart.js");
  return readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8");
}

function once(load: () => string | Promise<string>): () => Promise<string> {
  let value: Promise<string> | null = null;
  return () => {
    // A failed load is not kept: the next request tries again.
    value ??= Promise.resolve().then(load).catch((error: unknown) => {
      value = null;
      throw error;
    });
    return value;
  };
}

/** Everything the pages load, by file name under `/assets/`. */
export const ASSETS: Record<string, Asset> = {
  "pages.css": { type: "text/css; charset=utf-8", body: PAGES_CSS },
  ...Object.fromEntries(CLIENT_SCRIPTS.map((name) => [`${name}.js`, { type: JS, body: once(() => loadClientScript(name)) }])),
  "chart.umd.min.js": { type: JS, body: once(chartJs) },
};

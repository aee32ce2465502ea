import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ADMIN_SCRIPT } from "./client/admin.js";
import { ADMIN_STATS_SCRIPT } from "./client/admin-stats.js";
import { ADMIN_LIFT_SCRIPT } from "./client/admin-lift.js";
import { CONNECT_SCRIPT } from "./client/connect.js";
import { CONNECT_WORDS_SCRIPT } from "./client/connect-words.js";
import { SESSION_SCRIPT } from "./client/session.js";
import { PAGES_CSS } from "./styles.js";

export interface Asset {
  type: string;
  body: string | (() => string);
}

const JS = "text/javascript; charset=utf-8";

/** Chart.js's own UMD build, read from node_modules on first use: no CDN, no build step. */
function chartJs(): string {
  const entry = createRequire(import.meta.url).resolve("chart.js");
  return readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8");
}

function once(load: () => string): () => string {
  let value: string | null = null;
  return () => (value ??= load());
}

/** Everything the pages load, by file name under `/assets/`. */
export const ASSETS: Record<string, Asset> = {
  "pages.css": { type: "text/css; charset=utf-8", body: PAGES_CSS },
  "session.js": { type: JS, body: SESSION_SCRIPT },
  "connect.js": { type: JS, body: CONNECT_SCRIPT },
  "connect-words.js": { type: JS, body: CONNECT_WORDS_SCRIPT },
  "admin.js": { type: JS, body: ADMIN_SCRIPT },
  "admin-stats.js": { type: JS, body: ADMIN_STATS_SCRIPT },
  "admin-lift.js": { type: JS, body: ADMIN_LIFT_SCRIPT },
  "chart.umd.min.js": { type: JS, body: once(chartJs) },
};

// Chart.js is loaded as its own UMD build (`/assets/chart.umd.min.js`, a classic script run before
// the modules): the page scripts find it on `window`, typed by the package's own declarations.
import type { Chart } from "chart.js";

declare global {
  interface Window {
    Chart: typeof Chart;
  }
}

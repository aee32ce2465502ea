/**
 * The admin console's measured lift (`/assets/admin-lift.js`): the holdout share (a setting), and
 * both groups' cumulative conversion by the loop's day (a Chart.js line chart) beside the lift
 * (treated − holdout) with its 95 % interval as a shaded band; the figures also in a table.
 */
import type { Chart, ChartDataset, ChartOptions, TooltipItem } from "chart.js";
import type { Console } from "./admin-types.js";
import { byId } from "./session.js";

/** The stats' `lift` (core's LiftStats, as JSON). */
export interface LiftStats {
  treated: GroupRate;
  holdout: GroupRate;
  absolute: number | null;
  relative: number | null;
  ci95: [number, number] | null;
  byDay: { day: number; treated: number; holdout: number; absolute: number | null; ci95: [number, number] | null }[];
}

interface GroupRate {
  targets: number;
  converted: number;
  rate: number;
}

type Line = Chart<"line", (number | null)[], string>;
type LineDataset = ChartDataset<"line", (number | null)[]>;

const API = "/api/relance/admin";
const COLORS = { treated: "#0b57a4", holdout: "#7b8794", lift: "#2b8a3e", band: "rgba(43, 138, 62, 0.18)" };
const percent = (x: number | null) => (x == null ? null : Math.round(x * 10000) / 100);

export function initLift({ api, t, lang, banner, errorText }: Omit<Console, "dayCount">) {
  let groupsChart: Line | null = null;
  let gainChart: Line | null = null;
  const number = (x: number, digits: number) => x.toLocaleString(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const rate = (x: number | null) => (x == null ? "—" : number(x * 100, 1) + " %");
  const points = (x: number | null) => (x == null ? "—" : (x > 0 ? "+" : x < 0 ? "−" : "") + number(Math.abs(x * 100), 1) + " " + t.liftPoints);
  const interval = (ci: [number, number] | null) => (ci ? "[" + points(ci[0]) + " ; " + points(ci[1]) + "]" : "—");

  function summary(lift: LiftStats) {
    if (lift.treated.targets + lift.holdout.targets === 0) return t.liftNone;
    const group = (name: string, g: GroupRate) => name + " : " + rate(g.rate) + " (" + g.converted.toLocaleString(lang) + " / " + g.targets.toLocaleString(lang) + ")";
    const parts = [group(t.liftTreated, lift.treated), group(t.liftHoldout, lift.holdout), t.liftGain + " : " + points(lift.absolute)];
    parts.push(lift.ci95 ? t.liftInterval + " " + interval(lift.ci95) : t.liftTooFew);
    if (lift.relative != null) parts.push(t.liftRelative + " " + (lift.relative >= 0 ? "+" : "−") + number(Math.abs(lift.relative * 100), 0) + " %");
    return parts.join(" · ");
  }

  function chartOf(existing: Line | null, canvas: HTMLCanvasElement, labels: string[], datasets: LineDataset[], options: ChartOptions<"line">): Line {
    if (existing) {
      existing.data.labels = labels;
      existing.data.datasets.forEach((dataset, i) => (dataset.data = datasets[i]!.data));
      existing.update();
      return existing;
    }
    return new window.Chart(canvas, {
      type: "line",
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        ...options,
        scales: {
          x: { title: { display: true, text: t.liftDays } },
          ...options.scales,
        },
      },
    });
  }

  const line = (label: string, data: (number | null)[], color: string, extra: Partial<LineDataset> = {}): LineDataset => ({ label, data, borderColor: color, backgroundColor: color, borderWidth: 3, pointRadius: 3, tension: 0, spanGaps: true, ...extra });
  const tooltip = (shown: (index: number) => boolean) => ({ filter: (item: TooltipItem<"line">) => shown(item.datasetIndex), callbacks: { label: (item: TooltipItem<"line">) => item.dataset.label + " : " + number(item.parsed.y ?? 0, 1) + " %" } });

  function draw(lift: LiftStats) {
    const days = lift.byDay.map((d) => t.dayShort + d.day);
    const series = {
      treated: lift.byDay.map((d) => percent(d.treated)),
      holdout: lift.byDay.map((d) => percent(d.holdout)),
      lift: lift.byDay.map((d) => percent(d.absolute)),
      low: lift.byDay.map((d) => (d.ci95 ? percent(d.ci95[0]) : null)),
      high: lift.byDay.map((d) => (d.ci95 ? percent(d.ci95[1]) : null)),
    };
    // The numbers are also kept on the canvases, for tests and for copying.
    for (const id of ["lift-chart", "lift-gain-chart"]) {
      byId(id).dataset.labels = JSON.stringify(days);
      byId(id).dataset.values = JSON.stringify(series);
    }
    byId("lift-summary").textContent = summary(lift);

    groupsChart = chartOf(groupsChart, byId("lift-chart", HTMLCanvasElement), days, [line(t.liftTreated, series.treated, COLORS.treated), line(t.liftHoldout, series.holdout, COLORS.holdout)], {
      plugins: { tooltip: tooltip(() => true) },
      scales: { y: { beginAtZero: true, title: { display: true, text: t.liftAxis }, ticks: { callback: (value) => value + " %" } } },
    });
    gainChart = chartOf(
      gainChart,
      byId("lift-gain-chart", HTMLCanvasElement),
      days,
      [
        line(t.liftGain, series.lift, COLORS.lift),
        // The band: the upper bound filled down to the lower one (the next dataset).
        line(t.liftBand, series.high, "rgba(0,0,0,0)", { backgroundColor: COLORS.band, pointRadius: 0, borderWidth: 0, fill: "+1" }),
        line(t.liftBand, series.low, "rgba(0,0,0,0)", { pointRadius: 0, borderWidth: 0, fill: false }),
      ],
      {
        plugins: {
          // The band's lower edge is the same band: one legend entry.
          legend: { labels: { filter: (item) => item.datasetIndex !== 2 } },
          tooltip: tooltip((index) => index === 0),
        },
        scales: {
          y: {
            beginAtZero: true,
            title: { display: true, text: t.liftGainAxis },
            ticks: { callback: (value) => value + " " + t.liftPoints },
            // Zero drawn darker: the band above it means the relances earn something.
            grid: { color: (context) => (context.tick && context.tick.value === 0 ? "#323f4b" : "rgba(0,0,0,0.1)"), lineWidth: (context) => (context.tick && context.tick.value === 0 ? 2 : 1) },
          },
        },
      },
    );
    const body = byId("lift-table").querySelector("tbody")!;
    body.replaceChildren();
    for (const d of lift.byDay) {
      const tr = document.createElement("tr");
      [t.day + " " + d.day, rate(d.treated), rate(d.holdout), points(d.absolute), interval(d.ci95)].forEach((value, index) => {
        const cell = document.createElement(index === 0 ? "th" : "td");
        if (index === 0) cell.scope = "row";
        cell.textContent = value;
        tr.append(cell);
      });
      body.append(tr);
    }
  }

  async function loadSettings() {
    const response = await api<{ holdoutPercent: number }>(API + "/settings");
    if (!response.ok) return banner(errorText(response));
    byId("holdout-percent", HTMLInputElement).value = String(response.body.holdoutPercent);
  }

  byId("settings-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const state = byId("settings-state");
    state.textContent = t.saving;
    const response = await api<{ holdoutPercent: number }>(API + "/settings", { method: "PATCH", body: { holdoutPercent: Number(byId("holdout-percent", HTMLInputElement).value) } });
    if (!response.ok) {
      state.textContent = errorText(response);
      return;
    }
    byId("holdout-percent", HTMLInputElement).value = String(response.body.holdoutPercent);
    state.textContent = t.saved;
  });

  return { draw, loadSettings };
}

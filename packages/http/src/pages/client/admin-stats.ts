/**
 * The admin console's numbers (`/assets/admin-stats.js`): the funnel and conversions by day as
 * Chart.js bar charts (the library is served from /assets, never a CDN), each with its figures
 * in a table for screen readers; and the targets, searchable by referrer and status.
 */
import type { Chart } from "chart.js";
import { initLift, type LiftStats } from "./admin-lift.js";
import type { Console } from "./admin-types.js";
import { byId, lookup } from "./session.js";

/** What the console reads of `GET /admin/stats`. */
interface Stats {
  enrolled: number;
  active: number;
  completed: number;
  sentToday: number;
  exited: Record<string, number | undefined>;
  conversions: { total: number; byDay: Record<string, number | undefined>; byVariant?: Record<string, Record<string, { sent: number; converted: number }>> };
  lift: LiftStats;
}

interface Funnel {
  enrolled: number;
  sentByDay: Record<string, number | undefined>;
}

interface Sender {
  referrerUserId: string;
  phone?: string | null;
  health: { state: string; deliveredShare: number | null; reason?: string | null };
  messagesSentToday: number;
  dailyLimit: number;
  dayStartsAt: string;
  newChatQuota?: { remaining: number } | null;
}

interface Target {
  referralUserId: string;
  referrerUserId: string;
  status: string;
  currentDay: number;
  messagesDelivered: { day: number; status: string }[];
  exitReason?: string | null;
  enteredLoopAt?: string | null;
  nextMessageDue?: string | null;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type Bar = Chart<"bar", number[], string>;

const API = "/api/relance/admin";
/** How often the numbers are fetched again while the console is on screen. */
export const AUTO_REFRESH_MS = 60_000;
const COLORS = { enrolled: "#0b57a4", day: "#4c8ed9", converted: "#2b8a3e", optedOut: "#b35c00", failed: "#c92a2a", conversions: "#2b8a3e" };

function fillTable(id: string, rows: (string | number)[][]) {
  const body = byId(id).querySelector("tbody")!;
  body.replaceChildren();
  for (const cells of rows) {
    const tr = document.createElement("tr");
    cells.forEach((value, index) => {
      const cell = document.createElement(index === 0 ? "th" : "td");
      if (index === 0) cell.scope = "row";
      cell.textContent = String(value);
      tr.append(cell);
    });
    body.append(tr);
  }
}

function barChart(existing: Bar | null, canvas: HTMLCanvasElement, labels: string[], values: number[], colors: string | string[], label: string): Bar {
  // The numbers are also kept on the canvas, for tests and for copying.
  canvas.dataset.labels = JSON.stringify(labels);
  canvas.dataset.values = JSON.stringify(values);
  if (existing) {
    existing.data.labels = labels;
    existing.data.datasets[0]!.data = values;
    existing.data.datasets[0]!.backgroundColor = colors;
    existing.update();
    return existing;
  }
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: colors, borderRadius: 4 }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

export function initStats({ api, t, lang, dayCount, banner, errorText }: Console) {
  // Axis text dark enough for AA contrast, and readable on a phone.
  window.Chart.defaults.color = "#323f4b";
  window.Chart.defaults.font.size = 13;
  const lift = initLift({ api, t, lang, banner, errorText });
  let funnelChart: Bar | null = null;
  let conversionsChart: Bar | null = null;
  let cursor: string | null = null;
  const date = (value: string | null | undefined) => (value ? new Date(value).toLocaleString(lang, { dateStyle: "short", timeStyle: "short" }) : "—");

  // One row per day and variant, best converting first within a day; days without variants are
  // left out by the stats themselves.
  function variantRows(byVariant: NonNullable<Stats["conversions"]["byVariant"]>) {
    const rows: (string | number)[][] = [];
    for (const day of Object.keys(byVariant).map(Number).sort((a, b) => a - b)) {
      const variants = Object.entries(byVariant[day]!).sort(([, a], [, b]) => b.converted / (b.sent || 1) - a.converted / (a.sent || 1));
      for (const [key, { sent, converted }] of variants) {
        const rate = sent > 0 ? (Math.round((converted / sent) * 1000) / 10).toLocaleString(lang) + " %" : "—";
        rows.push([t.day + " " + day, key, sent, converted, rate]);
      }
    }
    return rows.length > 0 ? rows : [[t.noVariants, "", "", "", ""]];
  }

  /**
   * The charts, tables and senders again. `settings: false` (the periodic refresh) leaves the
   * holdout field alone, which the admin may be editing.
   */
  async function refresh({ settings = true } = {}) {
    const [stats, funnel] = await Promise.all([api<Stats>(API + "/stats"), api<Funnel>(API + "/funnel"), settings ? lift.loadSettings() : undefined]);
    if (!stats.ok) return banner(errorText(stats));
    if (!funnel.ok) return banner(errorText(funnel));
    const s = stats.body;
    const f = funnel.body;
    const dayKeys = [...Object.keys(f.sentByDay), ...Object.keys(s.conversions.byDay)].map(Number);
    const days = Array.from({ length: Math.max(dayCount(), ...dayKeys) }, (_, i) => i + 1);
    const failed = (s.exited.send_failed || 0) + (s.exited.invalid_number || 0);
    const stages: [string, number, string][] = [
      [t.enrolled, f.enrolled, COLORS.enrolled],
      ...days.map((day): [string, number, string] => [t.dayShort + day, f.sentByDay[day] || 0, COLORS.day]),
      [t.converted, s.conversions.total, COLORS.converted],
      [t.optedOut, s.exited.opted_out || 0, COLORS.optedOut],
      [t.failed, failed, COLORS.failed],
    ];
    funnelChart = barChart(funnelChart, byId("funnel-chart", HTMLCanvasElement), stages.map((x) => x[0]), stages.map((x) => x[1]), stages.map((x) => x[2]), t.count);
    fillTable("funnel-table", stages.map((x) => [x[0], x[1]]));
    const conversions = days.map((day) => s.conversions.byDay[day] || 0);
    conversionsChart = barChart(conversionsChart, byId("conversions-chart", HTMLCanvasElement), days.map((day) => t.dayShort + day), conversions, COLORS.conversions, t.conversionsByDay);
    fillTable("conversions-table", days.map((day, i) => [t.day + " " + day, conversions[i]!]));
    fillTable("variants-table", variantRows(s.conversions.byVariant || {}));
    await refreshSenders();
    byId("summary").textContent = [t.enrolled + " : " + s.enrolled, t.activeNow + " : " + s.active, t.completed + " : " + s.completed, t.sentToday + " : " + s.sentToday].join(" · ");
    lift.draw(s.lift);
  }

  // Account health: at risk first (the API sorts them), each with why and today's count against its cap.
  async function refreshSenders() {
    const response = await api<Page<Sender>>(API + "/senders");
    if (!response.ok) return banner(errorText(response));
    const share = (x: number | null) => (x === null ? "—" : Math.round(x * 100).toLocaleString(lang) + " %");
    fillTable("senders-table", response.body.items.map((s) => [
      s.referrerUserId + (s.phone ? " (" + s.phone + ")" : ""),
      lookup(t, "health." + s.health.state) || s.health.state,
      share(s.health.deliveredShare),
      s.health.reason || "—",
      s.messagesSentToday + " / " + s.dailyLimit,
      s.dayStartsAt,
      s.newChatQuota ? String(s.newChatQuota.remaining) : "—",
    ]));
    for (const row of byId("senders-table").querySelectorAll("tbody tr")) (row as HTMLTableRowElement).dataset.health = row.children[1]!.textContent ?? "";
    byId("senders-empty").hidden = response.body.items.length > 0;
  }

  async function searchTargets(append: boolean) {
    const params = new URLSearchParams({ limit: "50" });
    const referrerId = byId("filter-referrer", HTMLInputElement).value.trim();
    const status = byId("filter-status", HTMLSelectElement).value;
    if (referrerId) params.set("referrerId", referrerId);
    if (status) params.set("status", status);
    if (append && cursor) params.set("cursor", cursor);
    const response = await api<Page<Target>>(API + "/targets?" + params);
    if (!response.ok) return banner(errorText(response));
    const body = byId("targets-table").querySelector("tbody")!;
    if (!append) body.replaceChildren();
    for (const target of response.body.items) {
      const sent = new Set(target.messagesDelivered.filter((d) => d.status !== "failed").map((d) => d.day)).size;
      const exit = target.exitReason ? lookup(t, "exit." + target.exitReason) || target.exitReason : "—";
      const cells = [target.referralUserId, target.referrerUserId, lookup(t, "status." + target.status) || target.status, target.currentDay, sent, exit, date(target.enteredLoopAt), date(target.nextMessageDue)];
      const tr = document.createElement("tr");
      for (const value of cells) {
        const td = document.createElement("td");
        td.textContent = String(value);
        tr.append(td);
      }
      body.append(tr);
    }
    cursor = response.body.nextCursor;
    byId("targets-more").hidden = !cursor;
    byId("targets-empty").hidden = body.children.length > 0;
  }

  // The loop keeps sending while the console is open: its numbers follow on their own, every
  // AUTO_REFRESH_MS while the page is shown and as soon as it is shown again (one fetch at a time).
  let refreshing: Promise<void> | null = null;
  function refreshNow() {
    if (refreshing || document.visibilityState !== "visible") return;
    refreshing = refresh({ settings: false }).finally(() => (refreshing = null));
  }
  function keepFresh() {
    setInterval(refreshNow, AUTO_REFRESH_MS);
    document.addEventListener("visibilitychange", refreshNow);
  }

  byId("refresh").addEventListener("click", () => refresh());
  byId("targets-form").addEventListener("submit", (event) => {
    event.preventDefault();
    searchTargets(false);
  });
  byId("targets-more").addEventListener("click", () => searchTargets(true));
  return { refresh, searchTargets, keepFresh };
}

import { ConfigError } from "../config/env.js";
import { developmentFirstRun } from "../first-run.js";
import { SHUTDOWN_BUDGET_MS } from "../config/shutdown.js";
import { DemoRefusedError, startDemo, type Demo } from "./demo.js";

const DAY = 86_400_000;

/** `npm run demo [-- --days 7 --seconds 60]`: a simulated week of the service, about a minute long. */
async function main(): Promise<void> {
  const days = numberArg("--days", 7);
  const seconds = numberArg("--seconds", 60);
  let demo: Demo;
  try {
    demo = await startDemo();
  } catch (error) {
    if (error instanceof DemoRefusedError || error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const stop = () => {
    const force = setTimeout(() => process.exit(1), SHUTDOWN_BUDGET_MS);
    force.unref();
    demo.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  console.log(await developmentFirstRun(demo.config, demo.service, { tty: process.stdout.isTTY === true }));
  console.log(
    [
      `Demo: ${days} simulated days in about ${seconds} s on the sandbox (WhatsApp simulated, memory storage, nothing kept).`,
      "      6 referrers, 180 referrals signing up over the first days, a 7-day sequence with variants on days 1 and 3,",
      "      recipients that deliver, read, sometimes reply and pay (POST /sandbox/population, seeded: every run is the same).",
      "      Open the admin console link (above, or in the first-run.txt named above): its charts fill up as the days pass.",
      "",
    ].join("\n"),
  );

  const speed = (days * DAY) / (seconds * 1000);
  const realStart = Date.now();
  const simStart = demo.clock.now().getTime();
  const end = simStart + days * DAY;
  let reportedDay = 0;
  while (demo.clock.now().getTime() < end) {
    const target = Math.min(end, simStart + (Date.now() - realStart) * speed);
    if (target > demo.clock.now().getTime()) await demo.advanceTo(new Date(target));
    else await new Promise((resolve) => setTimeout(resolve, 20));
    const day = Math.floor((demo.clock.now().getTime() - simStart) / DAY);
    if (day > reportedDay) {
      reportedDay = day;
      console.log(await progress(demo, `day ${Math.min(day, days)}/${days}`));
    }
  }
  console.log(await progress(demo, `done: ${days} simulated days in ${Math.round((Date.now() - realStart) / 1000)} s`));
  console.log("The service keeps running (its clock stopped) so the console can be explored. Ctrl-C to stop.");
}

async function progress(demo: Demo, label: string): Promise<string> {
  const stats = await demo.stats();
  const m = stats.messages ?? {};
  return `  ${label} (${demo.clock.now().toISOString().slice(0, 16)}Z): ${stats.enrolled} enrolled, ${m.sent ?? 0} sent, ${m.delivered ?? 0} delivered, ${m.read ?? 0} read, ${stats.conversions?.total ?? 0} conversions, ${stats.exited?.paid ?? 0} paid, ${stats.exited?.replied ?? 0} replied`;
}

function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!(value > 0)) {
    console.error(`${name} takes a positive number`);
    process.exit(64);
  }
  return value;
}

main().catch((error) => {
  console.error("The demo failed:", error instanceof Error ? error.message : error);
  process.exit(1);
});

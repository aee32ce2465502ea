/**
 * Variables renamed, with the name that replaces each: the old name is still read (a deployment
 * keeps working across the upgrade) and the service warns at start until it is changed.
 */
export const RENAMED_ENV: Readonly<Record<string, string>> = {
  // One name for the job: "listen" (its route /internal/jobs/listen/run, its metric label, engine.runListen).
  RELANCE_INBOX_CRON: "RELANCE_LISTEN_CRON",
};

/** The environment with renamed variables under their new names, and a warning for each old one. */
export function readRenamed(env: Record<string, string>): { env: Record<string, string>; warnings: string[] } {
  const renamed = { ...env };
  const warnings: string[] = [];
  for (const [old, current] of Object.entries(RENAMED_ENV)) {
    if (renamed[old] === undefined) continue;
    if (renamed[current] === undefined) {
      renamed[current] = renamed[old]!;
      warnings.push(`${old} is deprecated: rename it ${current} (its value is used meanwhile)`);
    } else {
      warnings.push(`${old} is deprecated and ignored: ${current} is set too; remove ${old}`);
    }
    delete renamed[old];
  }
  return { env: renamed, warnings };
}

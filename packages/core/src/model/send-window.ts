/** Local wall-clock times `HH:MM` between which a referrer's messages may leave. */
export interface SendWindow {
  start: string;
  end: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isHhMm(value: unknown): value is string {
  return typeof value === "string" && HH_MM.test(value);
}

export function minutesOfDay(hhmm: string): number {
  const match = HH_MM.exec(hhmm);
  if (!match) throw new RangeError(`Not an HH:MM time: ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

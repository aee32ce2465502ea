/**
 * Wall-clock arithmetic in IANA time zones with `Intl` only (the core takes no date library).
 * Instants are absolute `Date`s; local dates are plain `{ year, month, day }`.
 */
export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== "string" || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function formattedDateTime(timeZone: string, instant: Date): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year!,
    month: fields.month!,
    day: fields.day!,
    hour: fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
  };
}

/*
 * `formatToParts` costs microseconds and a dispatch run asks for local dates several times per
 * message: the zone's offset is cached per 15-minute slice of UTC time, and only where it is the
 * same at both ends of the slice (the zone changes its offset at most once in 15 minutes); a slice
 * holding a transition is formatted every time. Exact, whatever the zone.
 */
const SLICE_MS = 15 * 60_000;
/** Years where `Date.UTC` takes the local fields as they are (not 0..99 → 1900s). */
const CACHED_FROM = Date.UTC(1900, 0, 1);
const CACHED_UNTIL = Date.UTC(9999, 0, 1);
const MAX_CACHED_SLICES = 10_000;
const sliceOffsets = new Map<string, number | null>();

function offsetOfFields(local: LocalDateTime, wholeSeconds: number): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - wholeSeconds;
}

/** The last slice asked per zone: a run asks about "now", the same slice, over and over. */
const lastSlice = new Map<string, { slice: number; offset: number | null }>();

function sliceOffset(timeZone: string, slice: number): number | null {
  const last = lastSlice.get(timeZone);
  if (last !== undefined && last.slice === slice) return last.offset;
  const key = `${timeZone}|${slice}`;
  let offset = sliceOffsets.get(key);
  if (offset === undefined) {
    const start = slice * SLICE_MS;
    const end = start + SLICE_MS - 1_000;
    const atStart = offsetOfFields(formattedDateTime(timeZone, new Date(start)), start);
    const atEnd = offsetOfFields(formattedDateTime(timeZone, new Date(end)), end);
    offset = atStart === atEnd ? atStart : null;
    if (sliceOffsets.size >= MAX_CACHED_SLICES) sliceOffsets.clear();
    sliceOffsets.set(key, offset);
  }
  if (lastSlice.size >= MAX_CACHED_SLICES) lastSlice.clear();
  lastSlice.set(timeZone, { slice, offset });
  return offset;
}

export function localDateTime(timeZone: string, instant: Date): LocalDateTime {
  const time = instant.getTime();
  if (!(time >= CACHED_FROM && time < CACHED_UNTIL)) return formattedDateTime(timeZone, instant);
  const offset = sliceOffset(timeZone, Math.floor(time / SLICE_MS));
  if (offset === null) return formattedDateTime(timeZone, instant);
  const local = new Date(Math.floor(time / 1_000) * 1_000 + offset);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/** UTC offset of the zone at that instant, in ms (Paris in summer: +7_200_000). */
export function offsetAt(timeZone: string, instant: Date): number {
  const local = localDateTime(timeZone, instant);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return asUtc - wholeSeconds;
}

/** `YYYY-MM-DD` of the instant in that zone: the key of a referrer's "today". */
export function localDateKey(timeZone: string, instant: Date): string {
  const { year, month, day } = localDateTime(timeZone, instant);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export function addLocalDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/**
 * The instant at which the zone's clocks show `minuteOfDay` on `date`. A local time skipped by
 * a DST jump is shifted by the jump (02:30 on a Paris spring-forward night → 03:30 summer time);
 * a time shown twice (autumn) maps to its later occurrence.
 */
export function instantAtLocal(timeZone: string, date: LocalDate, minuteOfDay: number): Date {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  const firstOffset = offsetAt(timeZone, new Date(wallAsUtc));
  const candidate = wallAsUtc - firstOffset;
  const secondOffset = offsetAt(timeZone, new Date(candidate));
  if (secondOffset === firstOffset) return new Date(candidate);
  const retry = wallAsUtc - secondOffset;
  if (offsetAt(timeZone, new Date(retry)) === secondOffset) return new Date(retry);
  return new Date(Math.max(candidate, retry));
}

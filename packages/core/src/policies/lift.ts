/**
 * The measured lift of relances: the treated group's conversion rate against the holdout's, with
 * a 95 % interval on the difference. Pure arithmetic; the counts come from the storage.
 */

/** The normal quantile of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** Below this many targets in a group, no interval is given: the normal approximations behind it are poor. */
export const MIN_GROUP_FOR_INTERVAL = 30;

/**
 * Wilson's score interval for a proportion `x / n` (Newcombe 1998, method 3). Unlike the Wald
 * interval, it stays inside [0, 1] and is not degenerate at 0 or n conversions.
 */
export function wilsonInterval(x: number, n: number, z = Z95): [number, number] {
  if (n <= 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/**
 * Newcombe's hybrid score interval for the difference of two independent proportions
 * `x1/n1 − x2/n2` (Newcombe, Statistics in Medicine 17:873–890, 1998, method 10): each
 * proportion's Wilson limits combined as a square root of sums of squares. Good coverage even
 * with small or extreme proportions, where the plain Wald interval is far too narrow.
 */
export function newcombeDifferenceInterval(x1: number, n1: number, x2: number, n2: number, z = Z95): [number, number] {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilsonInterval(x1, n1, z);
  const [l2, u2] = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  const lower = d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
  const upper = d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2);
  return [Math.max(-1, lower), Math.min(1, upper)];
}

export interface GroupCounts {
  targets: number;
  converted: number;
}

export interface GroupRate extends GroupCounts {
  /** `converted / targets`; 0 while the group is empty. */
  rate: number;
}

export interface Lift {
  treated: GroupRate;
  holdout: GroupRate;
  /** Treated rate − holdout rate; null while a group is empty. */
  absolute: number | null;
  /** `absolute / holdout rate`; null while that rate is 0. */
  relative: number | null;
  /** 95 % interval on `absolute`; null while a group has fewer than {@link MIN_GROUP_FOR_INTERVAL} targets. */
  ci95: [number, number] | null;
}

function rateOf(group: GroupCounts): GroupRate {
  return { targets: group.targets, converted: group.converted, rate: group.targets > 0 ? group.converted / group.targets : 0 };
}

export function liftOf(treatedCounts: GroupCounts, holdoutCounts: GroupCounts): Lift {
  const treated = rateOf(treatedCounts);
  const holdout = rateOf(holdoutCounts);
  const measurable = treated.targets > 0 && holdout.targets > 0;
  const absolute = measurable ? treated.rate - holdout.rate : null;
  const relative = absolute !== null && holdout.rate > 0 ? absolute / holdout.rate : null;
  const ci95 =
    treated.targets >= MIN_GROUP_FOR_INTERVAL && holdout.targets >= MIN_GROUP_FOR_INTERVAL
      ? newcombeDifferenceInterval(treated.converted, treated.targets, holdout.converted, holdout.targets)
      : null;
  return { treated, holdout, absolute, relative, ci95 };
}

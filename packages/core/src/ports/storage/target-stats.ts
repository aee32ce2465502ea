import type { ExitReason } from "../../model/target.js";

/** One variant of one day: messages of it that left, and conversions attributed to it. */
export interface VariantStats {
  sent: number;
  converted: number;
}

/** One group of the lift: its targets, and the paid exits among them by day of the loop. */
export interface LiftGroupCounts {
  targets: number;
  converted: number;
  /** Paid exits by `exitDay` (those without one are in `converted` only). */
  convertedByDay: Record<string, number>;
}

/** The targets enrolled while a holdout was set, by group (see `Target.group`). */
export interface LiftCounts {
  treated: LiftGroupCounts;
  holdout: LiftGroupCounts;
}

export interface TargetStats {
  enrolled: number;
  active: number;
  completed: number;
  exited: Partial<Record<ExitReason, number>>;
  messages: { sent: number; delivered: number; read: number; failed: number };
  /**
   * Paid exits that had received at least one message, by the last day sent before paying;
   * `byVariant[day][variant]`: messages sent of that day's variant, and the paid exits whose
   * last day sent was that variant. Days without variants are absent from `byVariant`.
   */
  conversions: { total: number; byDay: Record<string, number>; byVariant: Record<string, Record<string, VariantStats>> };
}

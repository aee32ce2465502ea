import { totalDaysOf, type MessageDefinition } from "../model/message.js";

/** The loop as admins defined it, read once per dispatch run. */
export interface DayPlan {
  byDay: Map<number, MessageDefinition>;
  totalDays: number;
}

export function dayPlanOf(messages: readonly MessageDefinition[]): DayPlan {
  return {
    byDay: new Map(messages.filter((m) => m.active).map((m) => [m.dayNumber, m])),
    totalDays: totalDaysOf(messages),
  };
}

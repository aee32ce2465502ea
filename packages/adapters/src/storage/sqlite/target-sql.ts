import type { TargetChanges, TargetCondition, TargetListFilter } from "@relance/core";
import { encode, setFields } from "./codec.js";

/** A WHERE fragment and its parameters. */
export interface Clause {
  sql: string;
  params: unknown[];
}

/** "No live claim at `at`" (see `TargetCondition.unclaimedAt`): an expired `sending` claim never frees. */
export function unclaimedAt(at: Date): Clause {
  return { sql: "(claimStage IS NULL OR (claimStage = 'claimed' AND claimExpiresAt <= ?))", params: [at.getTime()] };
}

export function conditionClause(condition: TargetCondition): Clause {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (condition.status !== undefined) {
    parts.push("status = ?");
    params.push(condition.status);
  }
  if (condition.currentDay !== undefined) {
    parts.push("currentDay = ?");
    params.push(condition.currentDay);
  }
  if (condition.revision !== undefined) {
    parts.push("revision = ?");
    params.push(condition.revision);
  }
  if (condition.dueBy !== undefined) {
    parts.push("nextMessageDue <= ?");
    params.push(condition.dueBy.getTime());
  }
  if (condition.claimedBy !== undefined) {
    parts.push("claimOwner = ?");
    params.push(condition.claimedBy.owner);
    if (condition.claimedBy.stage !== undefined) {
      parts.push("claimStage = ?");
      params.push(condition.claimedBy.stage);
    }
  }
  if (condition.unclaimedAt !== undefined) {
    const clause = unclaimedAt(condition.unclaimedAt);
    parts.push(clause.sql);
    params.push(...clause.params);
  }
  return { sql: parts.length === 0 ? "1" : parts.join(" AND "), params };
}

/**
 * The new document as one SQL expression over the old one: the given fields set, the delivery
 * appended, `revision` incremented. Used as `SET doc = <expr>` of a conditional UPDATE, so the
 * check and the write are one statement.
 */
export function changesExpression(changes: TargetChanges): Clause {
  const { pushDelivery, ...fields } = changes;
  const set = setFields("doc", fields);
  let sql = `json_set(${set.sql}, '$.revision', revision + 1)`;
  const params: unknown[] = [...set.params];
  if (pushDelivery !== undefined) {
    sql = `json_insert(${sql}, '$.messagesDelivered[#]', json(?))`;
    params.push(encode(pushDelivery));
  }
  return { sql, params };
}

export function listClause(filter: TargetListFilter, after: string | null): Clause {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.referrerUserId !== undefined) {
    parts.push("referrerUserId = ?");
    params.push(filter.referrerUserId);
  }
  if (filter.status !== undefined) {
    parts.push("status = ?");
    params.push(filter.status);
  }
  if (after !== null) {
    parts.push("id > ?");
    params.push(after);
  }
  return { sql: parts.length === 0 ? "1" : parts.join(" AND "), params };
}

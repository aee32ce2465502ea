import type { MessageDefinition } from "../../model/message.js";

export interface MessageRepository {
  /** Every message, active or not, ordered by `dayNumber`. */
  list(): Promise<MessageDefinition[]>;
  get(dayNumber: number): Promise<MessageDefinition | null>;
  /** Insert or replace by `dayNumber`; `created` tells which. */
  upsert(message: MessageDefinition): Promise<{ created: boolean; message: MessageDefinition }>;
  /** True when a message was deleted. */
  delete(dayNumber: number): Promise<boolean>;
}

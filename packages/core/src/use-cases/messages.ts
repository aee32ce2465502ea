import type { EngineContext } from "../engine/context.js";
import { NotFoundError, ValidationError, type FieldIssue } from "../errors.js";
import { DEFAULT_VARIANT, totalDaysOf, type MediaItem, type MessageDefinition } from "../model/message.js";
import { validateMessage, type MessageInput } from "../policies/message-validation.js";
import { messageOfVariant } from "../policies/variants.js";
import { firstNameOf, renderDayMessage, TEMPLATE_VARIABLES, type TemplateValues } from "../policies/template.js";

export function listMessages(ctx: EngineContext): Promise<MessageDefinition[]> {
  return ctx.storage.messages.list();
}

/** Insert or replace the message of `input.dayNumber`. */
export async function upsertMessage(ctx: EngineContext, input: MessageInput): Promise<{ created: boolean; message: MessageDefinition }> {
  const message = validateMessage(input, ctx.options.defaultLanguage);
  return ctx.storage.messages.upsert({ ...message, updatedAt: ctx.clock.now() });
}

/** Replaces an existing day's message; not found when that day has none. */
export async function replaceMessage(ctx: EngineContext, dayNumber: number, input: Omit<MessageInput, "dayNumber">): Promise<MessageDefinition> {
  const message = validateMessage({ ...input, dayNumber }, ctx.options.defaultLanguage);
  if (!(await ctx.storage.messages.get(dayNumber))) throw new NotFoundError(`No message for day ${dayNumber}`);
  return (await ctx.storage.messages.upsert({ ...message, updatedAt: ctx.clock.now() })).message;
}

export async function deleteMessage(ctx: EngineContext, dayNumber: number): Promise<void> {
  if (!(await ctx.storage.messages.delete(dayNumber))) throw new NotFoundError(`No message for day ${dayNumber}`);
}

export interface PreviewInput {
  dayNumber: number;
  language: string;
  variables?: Record<string, string | number>;
  /** A variant's key (`default`: the day's own text); absent: the day's own text. */
  variant?: string;
  /**
   * An unsaved version of the day (the admin console while an admin types): validated like a
   * save and rendered instead of the stored message, which may not exist yet. Nothing is stored.
   */
  draft?: Omit<MessageInput, "dayNumber">;
}

const SAMPLE_NAME = "Marie Dupont";

/** A draft checked like a save; its issues are reported under `draft.`. */
function validateDraft(draft: Omit<MessageInput, "dayNumber">, dayNumber: number, defaultLanguage: string): MessageDefinition {
  try {
    return validateMessage({ ...draft, dayNumber }, defaultLanguage);
  } catch (error) {
    if (error instanceof ValidationError && Array.isArray(error.details)) {
      throw new ValidationError(`Invalid draft: ${error.message}`, (error.details as FieldIssue[]).map((issue) => ({ ...issue, path: `draft.${issue.path}` })));
    }
    throw error;
  }
}

/** Renders a day's message as a referral would get it, with sample values unless given. */
export async function previewMessage(ctx: EngineContext, input: PreviewInput): Promise<{ text: string; media: MediaItem[]; language: string }> {
  const unknown = Object.keys(input.variables ?? {}).filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ValidationError(`Unknown template variables: ${unknown.join(", ")}`, [{ path: "variables", message: `unknown: ${unknown.join(", ")}` }]);
  }
  const stored = await ctx.storage.messages.list();
  const draft = input.draft ? validateDraft(input.draft, input.dayNumber, ctx.options.defaultLanguage) : null;
  const messages = draft ? [...stored.filter((m) => m.dayNumber !== input.dayNumber), draft] : stored;
  const message = messages.find((m) => m.dayNumber === input.dayNumber);
  if (!message) throw new NotFoundError(`No message for day ${input.dayNumber}`);
  const wording = messageOfVariant(message, input.variant ?? DEFAULT_VARIANT);
  if (!wording) {
    const known = [DEFAULT_VARIANT, ...(message.variants ?? []).map((v) => v.key)].join(", ");
    throw new NotFoundError(`No variant "${input.variant}" for day ${input.dayNumber} (known: ${known})`);
  }
  const name = String(input.variables?.name ?? SAMPLE_NAME);
  const values: TemplateValues = {
    name,
    firstName: firstNameOf(name),
    referrerName: "Jean Martin",
    day: input.dayNumber,
    totalDays: totalDaysOf(messages),
    paymentLink: "https://pay.example.com/checkout",
    ...input.variables,
  };
  const rendered = renderDayMessage(wording, input.language, ctx.options.defaultLanguage, values);
  return { text: rendered.text, media: rendered.media, language: rendered.language };
}

/**
 * The message of whatever a library threw, for logs and link-state reasons (both drivers: Baileys
 * throws Boom errors, whatsapp-web.js plain Errors or strings from the page).
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

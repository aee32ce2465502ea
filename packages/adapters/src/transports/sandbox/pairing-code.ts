/** A stable, phone-like 8-character pairing code for a referrer at an instant (no I/O, no randomness). */
export function sandboxPairingCode(referrerUserId: string, at: Date): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTVWXYZ23456789";
  let hash = 0;
  for (const char of `${referrerUserId}:${at.getTime()}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  let code = "";
  for (let i = 0; i < 8; i++) {
    code += alphabet[hash % alphabet.length];
    hash = Math.floor(hash / alphabet.length) + i * 7919;
  }
  return code;
}

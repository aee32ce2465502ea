import { BlockList, isIP } from "node:net";

/**
 * Addresses a media URL may never reach unless allowed by name: the machine itself, the private
 * networks, link-local (cloud metadata: 169.254.169.254, fd00:ec2::254), and the special ranges.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT; also Alibaba's metadata (100.100.100.200)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local (ULA), AWS's IPv6 metadata among them
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96], // NAT64 of any IPv4, private ones included
  ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215)
  ["::", 96], // IPv4-compatible (deprecated): ::7f00:1 is 127.0.0.1
  ["2002::", 16], // 6to4: 2002:7f00:1:: embeds 127.0.0.1
  ["2001::", 32], // Teredo: embeds an IPv4 address
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv6");
}

/** `::ffff:127.0.0.1` is 127.0.0.1. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

export function isPublicAddress(address: string): boolean {
  const plain = unmapped(address);
  const family = isIP(plain);
  if (family === 0) return false;
  return !BLOCKED.check(plain, family === 4 ? "ipv4" : "ipv6");
}

/** Hosts (names or addresses) that may be fetched although they resolve to a refused address. */
export class AddressPolicy {
  private readonly allowed: Set<string>;

  constructor(allowHosts: readonly string[] = []) {
    this.allowed = new Set(allowHosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, "")));
  }

  /** Throws when `address` (what `hostname` resolved to) is refused. */
  check(hostname: string, address: string): void {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
    if (this.allowed.has(host) || this.allowed.has(unmapped(address))) return;
    if (!isPublicAddress(address)) throw new MediaFetchError(`media download refused: ${host} resolves to ${address}, a private, loopback or link-local address`);
  }
}

export class MediaFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MediaFetchError";
  }
}

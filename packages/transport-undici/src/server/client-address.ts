/**
 * The client address used to rate-limit enrollment. `X-Forwarded-For` is believed only
 * when the direct peer is a proxy the host listed; otherwise any client could pick its own
 * rate-limit key.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Decides whether an address belongs to the host's trusted proxies. */
export type TrustedProxies = (address: string) => boolean;

function family(address: string): 'ipv4' | 'ipv6' | null {
  const kind = isIP(address);
  return kind === 4 ? 'ipv4' : kind === 6 ? 'ipv6' : null;
}

/** Strips the IPv4-mapped IPv6 prefix node reports for IPv4 clients on dual-stack sockets. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Builds a matcher from addresses and CIDR ranges (`'10.0.0.1'`, `'10.0.0.0/8'`, `'fd00::/8'`).
 * Throws `TypeError` for an entry that is neither, so a typo never silently trusts nobody.
 */
export function trustedProxies(entries: readonly string[] = []): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const kind = family(address);
    if (kind === null) throw new TypeError(`trustedProxies: "${entry}" is not an IP address or CIDR range`);
    if (prefix === undefined) list.addAddress(address, kind);
    else list.addSubnet(address, Number(prefix), kind);
  }
  return (address) => {
    const normalised = normalise(address);
    const kind = family(normalised);
    return kind !== null && list.check(normalised, kind);
  };
}

/**
 * The address to key per-client limits on: the socket's remote address, unless that is a
 * trusted proxy, in which case the right-most `X-Forwarded-For` hop that is not itself a
 * trusted proxy (the left-most hops are client-controlled and never believed).
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const direct = normalise(req.socket.remoteAddress ?? 'unknown');
  if (!trusted(direct)) return direct;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => normalise(hop.trim()))
    .filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) return direct;
    if (!trusted(hop)) return hop;
  }
  return hops[0] ?? direct;
}

/** The eight 16-bit groups of a valid IPv6 address; an embedded IPv4 tail counts as two. */
function ipv6Groups(address: string): number[] {
  const halves = (address.split('%', 1)[0] ?? '').split('::');
  const groups = (part: string | undefined): number[] =>
    part === undefined || part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/**
 * The key a per-address budget is spent on: an IPv4 address as it is, an IPv6 address by its
 * /64. One host is commonly given a whole /64, so keying single IPv6 addresses would let it
 * draw a fresh budget for each of 2^64 source addresses.
 */
export function rateLimitKey(address: string): string {
  if (family(address) !== 'ipv6') return address;
  const prefix = ipv6Groups(address)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':');
  return `${prefix}::/64`;
}

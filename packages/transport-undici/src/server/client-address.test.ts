import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, rateLimitKey, trustedProxies } from './client-address.js';

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For from a client that is not a trusted proxy', () => {
    const trusted = trustedProxies(['10.0.0.0/8']);
    expect(clientAddress(request('203.0.113.9', '198.51.100.1'), trusted)).toBe('203.0.113.9');
  });

  it('believes the right-most untrusted hop when the direct peer is a trusted proxy', () => {
    const trusted = trustedProxies(['10.0.0.0/8', '192.0.2.7']);
    const req = request('::ffff:10.1.2.3', '198.51.100.66, 198.51.100.1, 192.0.2.7');
    expect(clientAddress(req, trusted)).toBe('198.51.100.1');
  });

  it('falls back to the proxy address when the forwarded header is garbage', () => {
    const trusted = trustedProxies(['127.0.0.1']);
    expect(clientAddress(request('127.0.0.1', 'not-an-ip'), trusted)).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1'), trusted)).toBe('127.0.0.1');
  });

  it('trusts nobody by default', () => {
    expect(clientAddress(request('127.0.0.1', '198.51.100.1'), trustedProxies())).toBe('127.0.0.1');
  });

  it('refuses a trusted proxy entry that is not an address or range', () => {
    expect(() => trustedProxies(['proxy.internal'])).toThrow(TypeError);
  });
});

describe('rateLimitKey', () => {
  it('keys an IPv6 client by its /64, whatever spelling or interface id it uses', () => {
    const key = rateLimitKey('2001:db8:1:2:3:4:5:6');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const same of [
      '2001:db8:1:2::1',
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:db8:1:2::1.2.3.4',
    ]) {
      expect(rateLimitKey(same)).toBe(key);
    }
    expect(rateLimitKey('2001:db8:1:3::1')).not.toBe(key);
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('keys an IPv4 client by its address', () => {
    expect(rateLimitKey('198.51.100.7')).toBe('198.51.100.7');
  });
});

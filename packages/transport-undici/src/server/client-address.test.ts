import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxies } from './client-address.js';

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

import { describe, expect, it } from 'vitest';
import { memoryStore } from '../testing/memory-store.js';
import { countingRandom, manualClock, START } from './admission.fixtures.js';
import { admitProvider } from './admit-provider.js';
import { DEFAULT_MAX_LAST_USED_AGE_MS, preFlipAudit } from './pre-flip-audit.js';
import type { ProviderToken } from './types.js';

const HOUR = 3_600_000;
const now = new Date(START.getTime() + 48 * HOUR);

const token = (n: number, providerId: string, overrides: Partial<ProviderToken> = {}): ProviderToken => ({
  id: `tok-${n}`,
  providerId,
  tokenHash: n.toString(16).padStart(64, '0'),
  prefix: `ftp_${String(n).padStart(4, '0')}`,
  createdAt: START,
  lastUsedAt: new Date(now.getTime() - HOUR),
  revokedAt: null,
  ...overrides,
});

describe('preFlipAudit', () => {
  it('is safe when every active token was used within 24 h and every live session proved a bearer', () => {
    const report = preFlipAudit({
      tokens: [token(1, 'a'), token(2, 'b'), token(3, 'c', { lastUsedAt: null, revokedAt: START })],
      sessions: [
        { providerId: 'a', connectionId: 'ca', authState: 'bearer_validated' },
        { providerId: 'b', connectionId: 'cb', authState: 'self_minted' },
      ],
      now,
    });
    expect(report).toEqual({ safe: true, blockers: [] });
  });

  it('lists every blocker of every kind, not only the first', () => {
    const stale = new Date(now.getTime() - 25 * HOUR);
    const report = preFlipAudit({
      tokens: [
        token(1, 'never', { lastUsedAt: null }),
        token(2, 'stale', { lastUsedAt: stale }),
        token(3, 'fine'),
        token(4, 'also-never', { lastUsedAt: null }),
      ],
      sessions: [
        { providerId: 'never', connectionId: 'c1', authState: 'self_minted' },
        { providerId: 'fine', connectionId: 'c2', authState: 'bearerless_duplicate' },
        { providerId: 'gone', connectionId: 'c3', authState: 'self_minted' },
        { providerId: 'fine', connectionId: 'c4', authState: 'bearer_validated' },
        { providerId: 'odd', connectionId: 'c5', authState: '' as never },
      ],
      now,
    });
    expect(report.safe).toBe(false);
    expect(report.blockers).toEqual([
      { kind: 'token_never_used', providerId: 'never', tokenId: 'tok-1', tokenPrefix: 'ftp_0001' },
      {
        kind: 'token_stale',
        providerId: 'stale',
        tokenId: 'tok-2',
        tokenPrefix: 'ftp_0002',
        lastUsedAt: stale,
      },
      { kind: 'token_never_used', providerId: 'also-never', tokenId: 'tok-4', tokenPrefix: 'ftp_0004' },
      { kind: 'session_self_minted_unproven', providerId: 'never', connectionId: 'c1' },
      { kind: 'session_bearerless_duplicate', providerId: 'fine', connectionId: 'c2' },
      { kind: 'session_self_minted_unproven', providerId: 'gone', connectionId: 'c3' },
      { kind: 'session_auth_state_invalid', providerId: 'odd', connectionId: 'c5' },
    ]);
  });

  it('uses a 24 h window by default, inclusive at the boundary, and honours a custom window', () => {
    const exactly = token(1, 'a', { lastUsedAt: new Date(now.getTime() - DEFAULT_MAX_LAST_USED_AGE_MS) });
    const justOver = token(2, 'b', {
      lastUsedAt: new Date(now.getTime() - DEFAULT_MAX_LAST_USED_AGE_MS - 1),
    });
    expect(preFlipAudit({ tokens: [exactly], sessions: [], now }).safe).toBe(true);
    expect(preFlipAudit({ tokens: [justOver], sessions: [], now }).blockers.map((b) => b.kind)).toEqual([
      'token_stale',
    ]);
    expect(preFlipAudit({ tokens: [exactly], sessions: [], now, maxLastUsedAgeMs: HOUR }).safe).toBe(false);
  });

  it('never reports more than an 8-character token prefix', () => {
    const report = preFlipAudit({
      tokens: [token(1, 'a', { lastUsedAt: null, prefix: 'ftp_ABCDEFGHIJKLMNOP' })],
      sessions: [],
      now,
    });
    expect(report.blockers[0]?.tokenPrefix).toBe('ftp_ABCD');
  });

  it('reads the real state a settling window leaves behind: tokens minted but never presented block the flip', async () => {
    const store = memoryStore();
    const deps = { store, requireProviderTokens: false, clock: manualClock(), random: countingRandom() };
    const kept = await admitProvider({ providerId: 'keeper' }, deps);
    await admitProvider({ providerId: 'dropper' }, deps);
    await admitProvider({ providerId: 'keeper', bearer: (kept as { token: string }).token }, deps);
    const report = preFlipAudit({
      tokens: await store.listProviderTokens(),
      sessions: [
        { providerId: 'keeper', connectionId: 'k2', authState: 'bearer_validated' },
        { providerId: 'dropper', connectionId: 'd1', authState: 'self_minted' },
      ],
      now: START,
    });
    expect(report.blockers.map((b) => [b.kind, b.providerId])).toEqual([
      ['token_never_used', 'dropper'],
      ['session_self_minted_unproven', 'dropper'],
    ]);
  });

  it.each<[string, Partial<ProviderToken>, string]>([
    [
      'an absent revokedAt (a row read without nulls)',
      { revokedAt: undefined as never, lastUsedAt: null },
      'token_never_used',
    ],
    ['an invalid lastUsedAt', { lastUsedAt: new Date(Number.NaN) }, 'token_never_used'],
    ['an absent lastUsedAt', { lastUsedAt: undefined as never }, 'token_never_used'],
  ])('counts a token with %s as an unproven active token, never as safe', (_label, overrides, kind) => {
    const report = preFlipAudit({
      tokens: [token(1, 'a', overrides)],
      sessions: [{ providerId: 'a', connectionId: 'ca', authState: 'self_minted' }],
      now,
    });
    expect(report.safe).toBe(false);
    expect(report.blockers.map((b) => b.kind)).toEqual([kind, 'session_self_minted_unproven']);
  });

  it.each([
    ['an invalid now', { now: new Date(Number.NaN) }],
    ['a zero window', { maxLastUsedAgeMs: 0 }],
    ['a negative window', { maxLastUsedAgeMs: -5 }],
    ['an infinite window', { maxLastUsedAgeMs: Number.POSITIVE_INFINITY }],
  ])('refuses %s with admission_input_invalid', (_label, overrides) => {
    expect(() => preFlipAudit({ tokens: [], sessions: [], now, ...overrides })).toThrow(
      expect.objectContaining({ code: 'admission_input_invalid' }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { AuthState } from '../admission/types.js';
import { routingEligible } from './routing-eligible.js';
import { SessionRegistry } from './session-registry.js';
import type { ProviderSession } from './types.js';

const session = (connectionId: string, authState: AuthState, extra: Partial<ProviderSession> = {}) => ({
  providerId: 'prov-1',
  connectionId,
  authState,
  ...extra,
});

const ALL_STATES: AuthState[] = ['bearer_validated', 'self_minted', 'bearerless_duplicate', 'mint_failed'];

describe('SessionRegistry eviction rules', () => {
  it('rule: a bearerless_duplicate never replaces an existing session', () => {
    for (const holderState of ['bearer_validated', 'self_minted', 'bearerless_duplicate'] as const) {
      const registry = new SessionRegistry();
      expect(registry.register(session('old', holderState))).toEqual({ registered: true });
      const result = registry.register(session('dup', 'bearerless_duplicate'));
      expect(result).toMatchObject({ registered: false, reason: 'duplicate_never_evicts' });
      expect(registry.get('prov-1')?.connectionId).toBe('old');
    }
  });

  it('rule: anything other than bearer_validated never replaces a routable bearer_validated session', () => {
    for (const newcomer of ['self_minted', 'bearerless_duplicate', 'mint_failed'] as const) {
      const registry = new SessionRegistry();
      registry.register(session('victim', 'bearer_validated', { capacity: 2, inFlight: 2 }));
      const result = registry.register(session('other', newcomer));
      expect(result.registered).toBe(false);
      expect(registry.get('prov-1')).toMatchObject({ connectionId: 'victim', authState: 'bearer_validated' });
      expect(registry.snapshot()).toHaveLength(1);
    }
  });

  it('rule: a tokenless self_minted newcomer never takes the slot of a live self_minted session either', () => {
    const registry = new SessionRegistry();
    registry.register(session('victim', 'self_minted'));
    expect(registry.register(session('impostor', 'self_minted'))).toMatchObject({
      registered: false,
      reason: 'live_session_protected',
      holder: { connectionId: 'victim' },
    });
    expect(registry.eligible().map((s) => s.connectionId)).toEqual(['victim']);
  });

  it('rule: a self_minted newcomer replaces a quarantined bearerless_duplicate holder', () => {
    const registry = new SessionRegistry();
    registry.register(session('dup', 'bearerless_duplicate'));
    const result = registry.register(session('minted', 'self_minted'));
    expect(result).toEqual({ registered: true, evicted: expect.objectContaining({ connectionId: 'dup' }) });
    expect(registry.get('prov-1')?.authState).toBe('self_minted');
  });

  it('rule: a bearer_validated newcomer always wins, whatever holds the slot', () => {
    for (const holderState of ['bearer_validated', 'self_minted', 'bearerless_duplicate'] as const) {
      const registry = new SessionRegistry();
      registry.register(session('old', holderState));
      const result = registry.register(session('new', 'bearer_validated'));
      expect(result).toEqual({
        registered: true,
        evicted: expect.objectContaining({ connectionId: 'old', authState: holderState }),
      });
      expect(registry.get('prov-1')?.connectionId).toBe('new');
    }
  });

  it('rule: unregistering removes a session only if it is still the same connection', () => {
    const registry = new SessionRegistry();
    registry.register(session('old', 'self_minted'));
    registry.register(session('new', 'bearer_validated'));
    expect(registry.unregister('prov-1', 'old')).toBe(false);
    expect(registry.get('prov-1')?.connectionId).toBe('new');
    expect(registry.unregister('prov-2', 'new')).toBe(false);
    expect(registry.unregister('prov-1', 'new')).toBe(true);
    expect(registry.get('prov-1')).toBeUndefined();
    expect(registry.unregister('prov-1', 'new')).toBe(false);
  });

  it('rule: an auth state admission never admits (mint_failed, empty, unknown) is never registered', () => {
    const registry = new SessionRegistry();
    for (const authState of ['mint_failed', '', 'admin', undefined, null]) {
      const result = registry.register({ ...session('c', 'self_minted'), authState: authState as AuthState });
      expect(result).toEqual({ registered: false, reason: 'not_admitted' });
    }
    expect(registry.size).toBe(0);
  });

  it('re-registering the same connection reports no eviction', () => {
    const registry = new SessionRegistry();
    registry.register(session('c', 'self_minted'));
    expect(registry.register(session('c', 'bearer_validated'))).toEqual({ registered: true });
    expect(registry.get('prov-1')?.authState).toBe('bearer_validated');
  });

  it('refuses malformed registrations with session_invalid and changes nothing', () => {
    const registry = new SessionRegistry();
    registry.register(session('keep', 'bearer_validated'));
    for (const bad of [
      { ...session('', 'bearer_validated') },
      { ...session('x', 'bearer_validated'), providerId: '' },
      { ...session('x', 'bearer_validated'), capacity: -1 },
      { ...session('x', 'bearer_validated'), inFlight: 0.5 },
    ]) {
      expect(() => registry.register(bad)).toThrow(
        expect.objectContaining({ code: 'session_invalid', status: 400 }),
      );
    }
    expect(registry.get('prov-1')?.connectionId).toBe('keep');
  });

  it('keeps at most the 8-character prefix of a token an entry carries', () => {
    const registry = new SessionRegistry();
    registry.register(session('c', 'self_minted', { tokenPrefix: 'ftp_abcdefghijklmnop' }));
    expect(registry.snapshot()[0]?.tokenPrefix).toBe('ftp_abcd');
  });

  it('hands out copies, so callers cannot change a registered session', () => {
    const registry = new SessionRegistry();
    registry.register(session('c', 'bearerless_duplicate'));
    const copy = registry.get('prov-1') as ProviderSession;
    copy.authState = 'bearer_validated';
    expect(registry.get('prov-1')?.authState).toBe('bearerless_duplicate');
    expect(registry.eligible()).toEqual([]);
  });
});

describe('routingEligible', () => {
  it('rule: true only for bearer_validated or self_minted with a free slot', () => {
    for (const authState of ALL_STATES) {
      const free = routingEligible({ ...session('c', authState), capacity: 2, inFlight: 1 });
      expect(free).toBe(authState === 'bearer_validated' || authState === 'self_minted');
      expect(routingEligible({ ...session('c', authState), capacity: 2, inFlight: 2 })).toBe(false);
    }
  });

  it('rule: an unknown or empty auth state is never eligible', () => {
    for (const authState of ['', 'BEARER_VALIDATED', 'admin', undefined, null, 0]) {
      expect(
        routingEligible({
          ...session('c', 'self_minted'),
          capacity: 5,
          inFlight: 0,
          authState: authState as AuthState,
        }),
      ).toBe(false);
    }
    expect(routingEligible(undefined)).toBe(false);
    expect(routingEligible(null)).toBe(false);
  });

  it('fails closed on slot counts that are not whole numbers', () => {
    const base = { ...session('c', 'bearer_validated') };
    expect(routingEligible({ ...base, capacity: Number.NaN, inFlight: 0 })).toBe(false);
    expect(routingEligible({ ...base, capacity: 3, inFlight: -1 })).toBe(false);
    expect(routingEligible({ ...base, capacity: 1.5, inFlight: 1 })).toBe(false);
  });

  it('follows the slot count the registry records for the same connection only', () => {
    const registry = new SessionRegistry();
    registry.register(session('c', 'bearer_validated', { capacity: 1 }));
    expect(registry.eligible()).toHaveLength(1);
    expect(registry.setInFlight('prov-1', 'other', 1)).toBe(false);
    expect(registry.setInFlight('prov-1', 'c', 1)).toBe(true);
    expect(registry.snapshot()).toEqual([
      expect.objectContaining({ connectionId: 'c', inFlight: 1, eligible: false }),
    ]);
    expect(registry.eligible()).toEqual([]);
    expect(() => registry.setInFlight('prov-1', 'c', -2)).toThrow(
      expect.objectContaining({ code: 'session_invalid' }),
    );
  });

  it('snapshot lists every session with its auth state and eligibility, sorted by provider id', () => {
    const registry = new SessionRegistry();
    registry.register({ providerId: 'b', connectionId: 'c2', authState: 'bearerless_duplicate' });
    registry.register({ providerId: 'a', connectionId: 'c1', authState: 'self_minted' });
    registry.register({ providerId: 'c', connectionId: 'c3', authState: 'bearer_validated' });
    expect(registry.snapshot().map((v) => [v.providerId, v.authState, v.eligible])).toEqual([
      ['a', 'self_minted', true],
      ['b', 'bearerless_duplicate', false],
      ['c', 'bearer_validated', true],
    ]);
  });
});

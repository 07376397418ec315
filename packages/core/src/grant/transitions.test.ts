import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveGrantStatus } from './effective-grant-status.js';
import {
  canTransitionGrant,
  canTransitionPeer,
  GRANT_OPERATIONS,
  GRANT_TRANSITIONS,
  grantSourcesOf,
  PEER_OPERATIONS,
  PEER_TRANSITIONS,
  peerSourcesOf,
} from './transitions.js';
import type { PeerStatus, StoredGrantStatus } from './types.js';

const GRANT_STATES: StoredGrantStatus[] = ['pending', 'active', 'revoked'];
const PEER_STATES: PeerStatus[] = ['pending', 'active', 'suspended', 'revoked'];

const edges = <S extends string>(table: Readonly<Record<S, readonly S[]>>) =>
  (Object.keys(table) as S[]).flatMap((from) => table[from].map((to) => `${from}→${to}`)).sort();

const operationEdges = <S extends string>(ops: Record<string, { from: readonly S[]; to: S }>) =>
  Object.values(ops)
    .flatMap((op) => op.from.map((from) => `${from}→${op.to}`))
    .sort();

describe('transition tables', () => {
  it('the grant table is exactly pending→active, pending→revoked, active→revoked', () => {
    expect(edges(GRANT_TRANSITIONS)).toEqual(['active→revoked', 'pending→active', 'pending→revoked']);
  });

  it('the peer table is exactly pending → active ⇄ suspended → revoked, revocable from every live state', () => {
    expect(edges(PEER_TRANSITIONS)).toEqual(
      [
        'pending→active',
        'active→suspended',
        'suspended→active',
        'active→revoked',
        'suspended→revoked',
        'pending→revoked',
      ].sort(),
    );
  });

  it('revoked is terminal for grants and peers', () => {
    for (const to of GRANT_STATES) expect(canTransitionGrant('revoked', to)).toBe(false);
    for (const to of PEER_STATES) expect(canTransitionPeer('revoked', to)).toBe(false);
  });

  it('the named operations cover every table edge exactly once and nothing else', () => {
    expect(operationEdges(GRANT_OPERATIONS)).toEqual(edges(GRANT_TRANSITIONS));
    expect(operationEdges(PEER_OPERATIONS)).toEqual(edges(PEER_TRANSITIONS));
  });

  it('peer activate and resume leave different states, so neither can stand in for the other', () => {
    expect(PEER_OPERATIONS.activate.from).toEqual(['pending']);
    expect(PEER_OPERATIONS.resume.from).toEqual(['suspended']);
    expect(peerSourcesOf('active').sort()).toEqual(['pending', 'suspended']);
  });

  it('property: sourcesOf(to) holds exactly the states the table lets move to `to`', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GRANT_STATES), fc.constantFrom(...GRANT_STATES), (from, to) => {
        expect(grantSourcesOf(to).includes(from)).toBe(GRANT_TRANSITIONS[from].includes(to));
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...PEER_STATES), fc.constantFrom(...PEER_STATES), (from, to) => {
        expect(peerSourcesOf(to).includes(from)).toBe(PEER_TRANSITIONS[from].includes(to));
      }),
    );
  });

  it('the tables cannot be changed at run time', () => {
    expect(Object.isFrozen(GRANT_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(GRANT_TRANSITIONS.pending)).toBe(true);
    expect(Object.isFrozen(PEER_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(PEER_OPERATIONS)).toBe(true);
  });
});

describe('effectiveGrantStatus', () => {
  const expiresAt = new Date('2030-01-01T00:00:00.000Z');

  it('a live grant is expired from its expiresAt instant on, not a millisecond earlier', () => {
    expect(effectiveGrantStatus({ status: 'active', expiresAt }, new Date(expiresAt.getTime() - 1))).toBe(
      'active',
    );
    expect(effectiveGrantStatus({ status: 'active', expiresAt }, expiresAt)).toBe('expired');
    expect(effectiveGrantStatus({ status: 'pending', expiresAt }, expiresAt)).toBe('expired');
  });

  it('revoked wins over expired; a grant without expiresAt never expires', () => {
    expect(effectiveGrantStatus({ status: 'revoked', expiresAt }, new Date(expiresAt.getTime() + 1))).toBe(
      'revoked',
    );
    expect(effectiveGrantStatus({ status: 'active', expiresAt: null }, new Date(8.64e15))).toBe('active');
  });

  it('property: expired exactly when not revoked and now >= expiresAt; otherwise the stored status', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GRANT_STATES),
        fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: null }),
        fc.integer({ min: 0, max: 4e12 }),
        (status, expiryMs, nowMs) => {
          const result = effectiveGrantStatus(
            { status, expiresAt: expiryMs === null ? null : new Date(expiryMs) },
            new Date(nowMs),
          );
          const expired = status !== 'revoked' && expiryMs !== null && nowMs >= expiryMs;
          expect(result).toBe(expired ? 'expired' : status);
        },
      ),
    );
  });
});

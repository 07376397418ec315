/**
 * Records and helpers shared by the lifecycle conformance sections. Ids are
 * deterministic (each case gets an empty store) and instants carry milliseconds, so a
 * store that drops precision or mangles a Date is caught.
 *
 * @module @fedtrust/core/testing
 */
import { it } from 'vitest';
import type { EnrollmentTokenRecord } from '../../enrollment/types.js';
import type { CertificateBinding, Grant, Peer } from '../../grant/types.js';
import type { FederationStore, PendingCompensation } from '../../ports/store.js';
import type { Scope } from '../../scope/types.js';
import type { ConformanceContext } from './types.js';

/** The instant every case starts from. */
export const T0 = new Date('2031-04-05T06:07:08.123Z');

/** `T0` plus `ms` milliseconds. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

/** A canonical lower-case v4-shaped UUID unique to `n` within `kind`. */
export function uuid(n: number, kind = 0): string {
  const tail = (kind * 2 ** 32 + n).toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${tail}`;
}

/** A 64-character lower-case hex digest stand-in (a token hash), unique to `n`. */
export function hex64(n: number): string {
  return n.toString(16).padStart(64, 'a');
}

/** A scope using every optional field, to prove it round-trips through the store. */
export const RICH_SCOPE: Scope = {
  resources: ['tasks', 'notes', 'credentials'],
  excluded_resources: ['secrets'],
  filters: {
    tasks: { include_teams: ['team-a', 'team-b'], include_personal: false },
    notes: { include_personal: true },
  },
  max_rows_per_query: 250,
  verbs: ['list', 'get'],
  approved_sensitive: ['credentials'],
};

/** A pending grant and its pending peer, numbered `n`. */
export function grantPair(
  n: number,
  overrides: { grant?: Partial<Grant>; peer?: Partial<Peer> } = {},
): { grant: Grant; peer: Peer } {
  const peer: Peer = {
    id: uuid(n, 1),
    name: `peer-${n}.example.test`,
    tenantId: 'tenant-a',
    status: 'pending',
    createdAt: T0,
    updatedAt: T0,
    ...overrides.peer,
  };
  const grant: Grant = {
    id: uuid(n, 2),
    tenantId: peer.tenantId,
    peerId: peer.id,
    subjectUserId: uuid(n, 3),
    scope: RICH_SCOPE,
    status: 'pending',
    createdAt: T0,
    activatedAt: null,
    revokedAt: null,
    expiresAt: at(86_400_000),
    ...overrides.grant,
  };
  // Fresh objects each call: a store that leaks references must not corrupt the shared constants.
  return structuredClone({ grant, peer });
}

/** Inserts `grantPair(n)` and returns it. */
export async function seedGrant(
  store: FederationStore,
  n: number,
  overrides: { grant?: Partial<Grant>; peer?: Partial<Peer> } = {},
): Promise<{ grant: Grant; peer: Peer }> {
  const pair = grantPair(n, overrides);
  await store.createGrant(pair.grant, pair.peer);
  return pair;
}

/** A certificate binding for `pair`, serial unique to `n`. */
export function binding(
  n: number,
  pair: { grant: Grant; peer: Peer },
  overrides: Partial<CertificateBinding> = {},
) {
  const value: CertificateBinding = {
    serial: `7f${n.toString(16).padStart(30, '0')}`,
    peerId: pair.peer.id,
    grantId: pair.grant.id,
    notBefore: T0,
    notAfter: at(30 * 86_400_000),
    revokedAt: null,
    ...overrides,
  };
  return structuredClone(value);
}

/** An unused enrollment token record for `pair`, expiring 15 minutes after `T0`. */
export function tokenRecord(
  n: number,
  pair: { grant: Grant; peer: Peer },
  overrides: Partial<EnrollmentTokenRecord> = {},
): EnrollmentTokenRecord {
  return structuredClone({
    tokenHash: hex64(n),
    prefix: `fte_${n.toString(36).padStart(4, '0').slice(-4)}`,
    grantId: pair.grant.id,
    peerId: pair.peer.id,
    createdAt: T0,
    expiresAt: at(15 * 60_000),
    usedAt: null,
    ...overrides,
  });
}

/** An unresolved compensation numbered `n`, created `n` seconds after `T0`. */
export function compensation(n: number, overrides: Partial<PendingCompensation> = {}): PendingCompensation {
  return structuredClone({
    id: uuid(n, 4),
    serial: `6e${n.toString(16).padStart(30, '0')}`,
    grantId: uuid(n, 2),
    peerId: uuid(n, 1),
    reason: 'bind_failed',
    createdAt: at(n * 1000),
    attempts: 0,
    lastError: null,
    resolvedAt: null,
    ...overrides,
  });
}

/** Sorted ids, for comparing listings whose order the port leaves open. */
export function ids(records: readonly { id: string }[]): string[] {
  return records.map((r) => r.id).sort();
}

/** Runs `n` calls of `fn` at once and returns every settled outcome, in call order. */
export function race<T>(n: number, fn: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(Array.from({ length: n }, (_, i) => fn(i)));
}

/** A race that needs two handles on one store: skipped, by name, unless `multipleHandles` is declared. */
export function crossHandleIt(
  ctx: ConformanceContext,
  name: string,
  fn: (handles: [FederationStore, FederationStore]) => Promise<void>,
): void {
  it.skipIf(!ctx.options.capabilities.multipleHandles)(
    `${name} [two handles; needs capability multipleHandles]`,
    async () => {
      const first = await ctx.fresh();
      const second = await ctx.secondHandle(first);
      await fn([first, second]);
    },
  );
}

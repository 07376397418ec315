import { describe, expect, it } from 'vitest';
import { defineTiers } from './define-tiers.js';
import { requireTier } from './require-tier.js';
import type { TenantTierRecord, TenantTierSource } from './types.js';

const tiers = defineTiers(['agent_rooted', 'human_anchored', 'verified_org'] as const);

/** The host's own tenant table; records carry more than the tier, as real ones do. */
const tenantTable = (rows: Array<TenantTierRecord & Record<string, unknown>>): TenantTierSource => ({
  getTenant: async (id) => rows.find((row) => row.id === id) ?? null,
});

describe('requireTier', () => {
  it('denies a human_anchored route to an agent_rooted tenant with an admin role', async () => {
    const tenants = tenantTable([
      { id: 't-agent', tier: 'agent_rooted', role: 'admin', roles: ['owner', 'admin'] },
    ]);
    const decision = await tiers.requireTier('human_anchored').decide('t-agent', tenants);
    expect(decision).toEqual({
      allow: false,
      reason: 'tier_insufficient',
      required: 'human_anchored',
      actual: 'agent_rooted',
    });
  });

  it('allows a tenant whose server-side tier ranks at or above the minimum', async () => {
    const tenants = tenantTable([
      { id: 't-human', tier: 'human_anchored', role: 'viewer' },
      { id: 't-org', tier: 'verified_org' },
    ]);
    const gate = tiers.requireTier('human_anchored');
    expect(await gate.decide('t-human', tenants)).toEqual({ allow: true, tier: 'human_anchored' });
    expect(await gate.decide('t-org', tenants)).toEqual({ allow: true, tier: 'verified_org' });
    expect(await tiers.requireTier('agent_rooted').decide('t-human', tenants)).toEqual({
      allow: true,
      tier: 'human_anchored',
    });
  });

  it('decides only from the record the tenant source returns, whatever the caller claims elsewhere', async () => {
    // The gate's API takes a tenant id and the host's tenant source; a request body claiming
    // `tier: 'verified_org'` has nowhere to go. The record is read fresh on every decision.
    const rows = [{ id: 't-1', tier: 'verified_org' }];
    const tenants = tenantTable(rows);
    const gate = tiers.requireTier('verified_org');
    expect((await gate.decide('t-1', tenants)).allow).toBe(true);
    rows[0]!.tier = 'agent_rooted';
    expect(await gate.decide('t-1', tenants)).toMatchObject({ allow: false, reason: 'tier_insufficient' });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['an empty string', ''],
    ['a number', 7],
  ])(
    'denies a tenant id that is %s as tenant_unknown without asking the source',
    async (_label, tenantId) => {
      const asked: unknown[] = [];
      const lenient: TenantTierSource = {
        // A source keyed loosely (or selecting without the id) answers for anything.
        getTenant: async (id) => {
          asked.push(id);
          return { tier: 'verified_org' } as TenantTierRecord;
        },
      };
      expect(await tiers.requireTier('agent_rooted').decide(tenantId as string, lenient)).toEqual({
        allow: false,
        reason: 'tenant_unknown',
        required: 'agent_rooted',
        actual: null,
      });
      expect(asked).toEqual([]);
    },
  );

  it('denies an unknown tenant, an unknown tier and a record for another tenant', async () => {
    const gate = tiers.requireTier('agent_rooted');
    expect(await gate.decide('nobody', tenantTable([]))).toMatchObject({
      allow: false,
      reason: 'tenant_unknown',
    });
    expect(await gate.decide('t-1', tenantTable([{ id: 't-1', tier: 'superuser' }]))).toEqual({
      allow: false,
      reason: 'tier_unknown',
      required: 'agent_rooted',
      actual: 'superuser',
    });
    const liar: TenantTierSource = { getTenant: async () => ({ id: 't-other', tier: 'verified_org' }) };
    expect(await gate.decide('t-1', liar)).toMatchObject({ allow: false, reason: 'tenant_unknown' });
    const malformed = { getTenant: async () => ({ id: 't-1' }) } as unknown as TenantTierSource;
    expect(await gate.decide('t-1', malformed)).toMatchObject({
      allow: false,
      reason: 'tier_unknown',
      actual: null,
    });
  });

  it('denies with tier_check_failed when the tenant source fails (fail closed)', async () => {
    const broken: TenantTierSource = {
      getTenant: async () => {
        throw new Error('connection reset');
      },
    };
    expect(await tiers.requireTier('agent_rooted').decide('t-1', broken)).toEqual({
      allow: false,
      reason: 'tier_check_failed',
      required: 'agent_rooted',
      actual: null,
    });
  });

  it('throws tier_unknown at definition time for a minimum that is not on the ladder', () => {
    expect(() => requireTier(tiers, 'root' as 'agent_rooted')).toThrow(
      expect.objectContaining({ code: 'tier_unknown', status: 500 }),
    );
  });
});

describe('defineTiers', () => {
  it('orders tiers lowest first', () => {
    expect(tiers.tiers).toEqual(['agent_rooted', 'human_anchored', 'verified_org']);
    expect(tiers.rank('agent_rooted')).toBeLessThan(tiers.rank('human_anchored'));
    expect(tiers.isTier('human_anchored')).toBe(true);
    expect(tiers.isTier('admin')).toBe(false);
  });

  it.each([
    ['an empty list', []],
    ['an empty name', ['a', '']],
    ['a repeated name', ['a', 'b', 'a']],
  ])('refuses %s with tiers_invalid', (_label, input) => {
    expect(() => defineTiers(input as string[])).toThrow(expect.objectContaining({ code: 'tiers_invalid' }));
  });
});

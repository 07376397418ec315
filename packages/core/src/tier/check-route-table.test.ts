import { describe, expect, it } from 'vitest';
import { checkRouteTable } from './check-route-table.js';
import { defineTiers } from './define-tiers.js';
import { RouteTableError } from './tier-errors.js';
import type { RouteDeclaration } from './types.js';

const tiers = defineTiers(['agent_rooted', 'human_anchored'] as const);

const caught = (routes: RouteDeclaration[]): RouteTableError => {
  try {
    checkRouteTable(routes);
  } catch (error) {
    if (error instanceof RouteTableError) return error;
    throw error;
  }
  throw new Error('checkRouteTable accepted the table');
};

describe('checkRouteTable', () => {
  it('fails a route table with one ungated route, naming it', () => {
    const error = caught([
      { name: 'GET /health', public: true },
      { name: 'POST /agents', gate: tiers.requireTier('agent_rooted') },
      { name: 'DELETE /tenants/:id' },
    ]);
    expect(error.code).toBe('route_table_incomplete');
    expect(error.offenders).toEqual([{ name: 'DELETE /tenants/:id', problem: 'ungated' }]);
    expect(error.message).toContain('DELETE /tenants/:id');
    expect(error.remediation).toMatch(/public: true/);
  });

  it('lists every offender, not only the first', () => {
    const error = caught([
      { name: 'a' },
      { name: 'b', public: false },
      { name: 'c', gate: tiers.requireTier('human_anchored'), public: true },
      { name: 'd', public: 'yes' as unknown as boolean },
      { name: 'e', gate: {} as unknown as RouteDeclaration['gate'] },
    ]);
    expect(error.offenders).toEqual([
      { name: 'a', problem: 'ungated' },
      { name: 'b', problem: 'ungated' },
      { name: 'c', problem: 'gated_and_public' },
      { name: 'd', problem: 'ungated' },
      { name: 'e', problem: 'ungated' },
    ]);
  });

  it('passes a table where every route is gated or explicitly public, with host gates allowed', () => {
    expect(
      checkRouteTable([
        { name: 'GET /health', public: true },
        { name: 'POST /agents', gate: tiers.requireTier('agent_rooted') },
        { name: 'POST /billing', gate: tiers.requireTier('human_anchored') },
        { name: 'GET /reports', gate: { kind: 'host_rbac' } },
      ]),
    ).toEqual({ gated: 3, public: 1 });
    expect(checkRouteTable([])).toEqual({ gated: 0, public: 0 });
  });

  it('fails a route declared twice, so a public and a gated declaration of one route cannot both pass', () => {
    const error = caught([
      { name: 'GET /status', gate: tiers.requireTier('human_anchored') },
      { name: 'GET /health', public: true },
      { name: 'GET /status', public: true },
    ]);
    expect(error.offenders).toEqual([{ name: 'GET /status', problem: 'duplicate' }]);
  });

  it('names a route without a name by its position', () => {
    expect(caught([{ name: 'ok', public: true }, { name: '' }]).offenders).toEqual([
      { name: '(route #1)', problem: 'ungated' },
    ]);
  });
});

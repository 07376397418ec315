import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scopeArbitrary } from '../testing/arbitraries.js';
import { compileScope } from './compile-scope.js';
import { defineResources } from './define-resources.js';
import { evaluate, scopeDenyClause } from './evaluate.js';
import { parseScope } from './parse-scope.js';
import { ScopeError } from './scope-error.js';
import { type Scope, VERBS } from './types.js';

const catalogue = defineResources({
  tasks: {},
  notes: {},
  wiki: {},
  calendar: {},
  credentials: { sensitive: true },
});

const scope: Scope = parseScope(
  {
    resources: ['tasks', 'notes'],
    excluded_resources: ['wiki', 'credentials'],
    filters: { tasks: { include_teams: ['ops'], include_personal: false } },
    max_rows_per_query: 25,
    verbs: ['list', 'get'],
  },
  catalogue,
);
const compiled = compileScope(scope);

describe('evaluate', () => {
  it('allows a granted resource with the row cap and its filter', () => {
    expect(evaluate(compiled, { verb: 'list', resource: 'tasks' })).toEqual({
      allow: true,
      rowCap: 25,
      filter: { include_teams: ['ops'], include_personal: false },
    });
  });

  it('allows a granted resource without a filter with filter null', () => {
    expect(evaluate(compiled, { verb: 'get', resource: 'notes' })).toEqual({
      allow: true,
      rowCap: 25,
      filter: null,
    });
  });

  it('always allows capabilities, with no rows, whatever the resource', () => {
    expect(evaluate(compiled, { verb: 'capabilities' })).toEqual({ allow: true, rowCap: 0, filter: null });
    expect(evaluate(compiled, { verb: 'capabilities', resource: 'wiki' })).toEqual({
      allow: true,
      rowCap: 0,
      filter: null,
    });
  });

  it('denies an excluded resource as resource_excluded, pointing at its entry', () => {
    const result = evaluate(compiled, { verb: 'list', resource: 'credentials' });
    expect(result).toEqual({ allow: false, reason: 'resource_excluded' });
    if (result.allow) throw new Error('unreachable');
    expect(scopeDenyClause(compiled, result, 'credentials')).toBe('/excluded_resources/1');
  });

  it('reports resource_excluded before verb_not_allowed for an excluded resource and a disallowed verb', () => {
    expect(evaluate(compiled, { verb: 'search', resource: 'wiki' })).toEqual({
      allow: false,
      reason: 'resource_excluded',
    });
  });

  it('denies a resource the scope does not mention as resource_not_granted', () => {
    const result = evaluate(compiled, { verb: 'list', resource: 'calendar' });
    expect(result).toEqual({ allow: false, reason: 'resource_not_granted' });
    if (result.allow) throw new Error('unreachable');
    expect(scopeDenyClause(compiled, result, 'calendar')).toBe('/resources');
  });

  it('denies a data verb without a resource as resource_not_granted', () => {
    expect(evaluate(compiled, { verb: 'list' })).toEqual({ allow: false, reason: 'resource_not_granted' });
  });

  it('denies a verb the scope leaves out as verb_not_allowed', () => {
    const result = evaluate(compiled, { verb: 'search', resource: 'tasks' });
    expect(result).toEqual({ allow: false, reason: 'verb_not_allowed' });
    if (result.allow) throw new Error('unreachable');
    expect(scopeDenyClause(compiled, result, 'tasks')).toBe('/verbs');
  });

  it('allows list, get and search when verbs is absent', () => {
    const open = compileScope(parseScope({ resources: ['tasks'], max_rows_per_query: 3 }, catalogue));
    for (const verb of ['list', 'get', 'search'] as const) {
      expect(evaluate(open, { verb, resource: 'tasks' }).allow).toBe(true);
    }
  });

  it('is not affected by later changes to the scope it was compiled from', () => {
    const mutable = structuredClone(scope);
    const fromMutable = compileScope(mutable);
    mutable.resources.push('calendar');
    mutable.max_rows_per_query = 10_000;
    expect(evaluate(fromMutable, { verb: 'list', resource: 'calendar' }).allow).toBe(false);
    expect(evaluate(fromMutable, { verb: 'list', resource: 'notes' })).toMatchObject({ rowCap: 25 });
  });

  it('returns filters the resource source cannot mutate', () => {
    const result = evaluate(compiled, { verb: 'list', resource: 'tasks' });
    if (!result.allow || result.filter === null) throw new Error('expected a filter');
    expect(Object.isFrozen(result.filter)).toBe(true);
    expect(Object.isFrozen(result.filter.include_teams)).toBe(true);
  });
});

describe('evaluate with resources named like Object.prototype members', () => {
  const prototypeNames = defineResources({
    constructor: {},
    hasOwnProperty: {},
    toString: { sensitive: true },
    tasks: {},
  });

  it('gives filter null, not an inherited function, for a granted resource without a filter', () => {
    const compiledNames = compileScope(
      parseScope(
        {
          resources: ['constructor', 'hasOwnProperty', 'tasks'],
          filters: { tasks: { include_personal: false } },
          max_rows_per_query: 5,
        },
        prototypeNames,
      ),
    );
    for (const resource of ['constructor', 'hasOwnProperty']) {
      expect(evaluate(compiledNames, { verb: 'list', resource })).toEqual({
        allow: true,
        rowCap: 5,
        filter: null,
      });
    }
  });

  it('never grants a prototype member name the scope does not list', () => {
    const compiledTasks = compileScope(
      parseScope({ resources: ['tasks'], max_rows_per_query: 5 }, prototypeNames),
    );
    for (const resource of ['constructor', 'hasOwnProperty', 'toString', '__proto__', 'valueOf']) {
      expect(evaluate(compiledTasks, { verb: 'list', resource }).allow).toBe(false);
    }
  });

  it('keeps a sensitive prototype-named resource behind approved_sensitive', () => {
    expect(() => parseScope({ resources: ['toString'], max_rows_per_query: 5 }, prototypeNames)).toThrow(
      ScopeError,
    );
  });
});

describe('compileScope on a scope read back from a store', () => {
  it.each([
    ['without max_rows_per_query', { resources: ['tasks'] }],
    ['with max_rows_per_query above 10000', { resources: ['tasks'], max_rows_per_query: 1_000_000 }],
    [
      'with resources as a string, which would grant each of its letters',
      { resources: 'tasks', max_rows_per_query: 5 },
    ],
    ['with no resources', { resources: [], max_rows_per_query: 5 }],
    ['with a resource name no catalogue allows', { resources: ['__proto__'], max_rows_per_query: 5 }],
    [
      'with a filter that is not an object',
      { resources: ['tasks'], max_rows_per_query: 5, filters: { tasks: 'all' } },
    ],
    [
      'with a filter on an excluded resource',
      {
        resources: ['tasks'],
        excluded_resources: ['wiki'],
        filters: { wiki: { include_personal: true } },
        max_rows_per_query: 5,
      },
    ],
    [
      'with capabilities listed as a verb',
      { resources: ['tasks'], max_rows_per_query: 5, verbs: ['capabilities'] },
    ],
    ['with an unknown field', { resources: ['tasks'], max_rows_per_query: 5, admin: true }],
    ['that is not an object', null],
  ])('throws scope_invalid for a scope %s', (_name, stored) => {
    expect(() => compileScope(stored as unknown as Scope)).toThrow(ScopeError);
  });

  it('compiles every scope parseScope accepts, to the same scope', () => {
    fc.assert(
      fc.property(scopeArbitrary(catalogue), (generated) => {
        expect(compileScope(generated).scope).toEqual(generated);
      }),
      { numRuns: 300 },
    );
  });
});

const requestArbitrary = fc.record({
  verb: fc.constantFrom(...VERBS),
  resource: fc.option(
    fc.oneof(fc.constantFrom(...catalogue.names), fc.constantFrom('payroll', '', 'TASKS')),
    {
      nil: undefined,
    },
  ),
});

describe('evaluate properties', () => {
  it('never allows an excluded or ungranted resource for a data verb', () => {
    fc.assert(
      fc.property(scopeArbitrary(catalogue), requestArbitrary, (generated, request) => {
        const result = evaluate(compileScope(generated), request);
        if (request.verb === 'capabilities' || !result.allow) return;
        expect(generated.resources).toContain(request.resource);
        expect(generated.excluded_resources ?? []).not.toContain(request.resource);
        expect(generated.verbs ?? ['list', 'get', 'search']).toContain(request.verb);
      }),
      { numRuns: 1000 },
    );
  });

  it('rowCap never exceeds max_rows_per_query', () => {
    fc.assert(
      fc.property(scopeArbitrary(catalogue), requestArbitrary, (generated, request) => {
        const result = evaluate(compileScope(generated), request);
        if (result.allow) expect(result.rowCap).toBeLessThanOrEqual(generated.max_rows_per_query);
      }),
      { numRuns: 1000 },
    );
  });

  it("filter teams are always a subset of the scope's include_teams for the resource", () => {
    fc.assert(
      fc.property(scopeArbitrary(catalogue), requestArbitrary, (generated, request) => {
        const result = evaluate(compileScope(generated), request);
        if (!result.allow || result.filter === null) return;
        const declared = generated.filters?.[request.resource ?? ''];
        expect(declared).toBeDefined();
        expect(result.filter.include_personal).toBe(declared?.include_personal);
        if (result.filter.include_teams === undefined) {
          expect(declared?.include_teams).toBeUndefined();
        } else {
          for (const team of result.filter.include_teams) expect(declared?.include_teams).toContain(team);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('allows exactly the granted, non-excluded resources with an allowed verb', () => {
    fc.assert(
      fc.property(scopeArbitrary(catalogue), requestArbitrary, (generated, request) => {
        const result = evaluate(compileScope(generated), request);
        const expected =
          request.verb === 'capabilities' ||
          (request.resource !== undefined &&
            generated.resources.includes(request.resource) &&
            (generated.verbs ?? ['list', 'get', 'search']).includes(request.verb));
        expect(result.allow).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

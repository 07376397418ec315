import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { scopeArbitrary } from '../testing/arbitraries.js';
import { defineResources } from './define-resources.js';
import { parseScope } from './parse-scope.js';
import { ScopeError, type ScopeIssue } from './scope-error.js';

const catalogue = defineResources({ tasks: {}, notes: {}, wiki: {}, credentials: { sensitive: true } });

function issuesOf(input: unknown): ScopeIssue[] {
  try {
    parseScope(input, catalogue);
  } catch (error) {
    if (error instanceof ScopeError) return error.issues;
    throw error;
  }
  throw new Error('expected parseScope to reject the scope');
}

const base = { resources: ['tasks'], max_rows_per_query: 100 };

describe('parseScope accepts', () => {
  it('a minimal scope unchanged', () => {
    expect(parseScope(base, catalogue)).toEqual(base);
  });

  it('fills include_personal: true into a filter that leaves it out', () => {
    const scope = parseScope({ ...base, filters: { tasks: { include_teams: ['ops'] } } }, catalogue);
    expect(scope.filters).toEqual({ tasks: { include_teams: ['ops'], include_personal: true } });
  });

  it('max_rows_per_query at both ends of 1..10000', () => {
    expect(parseScope({ ...base, max_rows_per_query: 1 }, catalogue).max_rows_per_query).toBe(1);
    expect(parseScope({ ...base, max_rows_per_query: 10_000 }, catalogue).max_rows_per_query).toBe(10_000);
  });

  it('a sensitive resource listed under approved_sensitive', () => {
    const input = { resources: ['credentials'], approved_sensitive: ['credentials'], max_rows_per_query: 5 };
    expect(parseScope(input, catalogue)).toEqual(input);
  });

  it('every field at once', () => {
    const input = {
      resources: ['tasks', 'credentials'],
      excluded_resources: ['notes'],
      filters: { tasks: { include_teams: [], include_personal: false } },
      max_rows_per_query: 50,
      verbs: ['list', 'search'],
      approved_sensitive: ['credentials'],
    };
    expect(parseScope(input, catalogue)).toEqual(input);
  });
});

describe('parseScope rejects, with the path of the problem', () => {
  const cases: [string, unknown, ScopeIssue[]][] = [
    ['a scope that is not an object', ['tasks'], [{ path: '', message: 'expected a scope object' }]],
    ['null', null, [{ path: '', message: 'expected a scope object' }]],
    [
      'missing resources',
      { max_rows_per_query: 5 },
      [{ path: '/resources', message: 'expected an array of resource names' }],
    ],
    [
      'empty resources',
      { ...base, resources: [] },
      [{ path: '/resources', message: 'grant at least one resource' }],
    ],
    [
      'a resource listed twice',
      { ...base, resources: ['tasks', 'notes', 'tasks'] },
      [{ path: '/resources/2', message: '"tasks" is listed twice' }],
    ],
    [
      'a resource outside the catalogue',
      { ...base, resources: ['tasks', 'payroll'] },
      [
        {
          path: '/resources/1',
          message: '"payroll" is not in the resource catalogue (tasks, notes, wiki, credentials)',
        },
      ],
    ],
    [
      'an excluded resource listed twice',
      { ...base, excluded_resources: ['notes', 'notes'] },
      [{ path: '/excluded_resources/1', message: '"notes" is listed twice' }],
    ],
    [
      'an excluded resource outside the catalogue',
      { ...base, excluded_resources: ['payroll'] },
      [
        {
          path: '/excluded_resources/0',
          message: '"payroll" is not in the resource catalogue (tasks, notes, wiki, credentials)',
        },
      ],
    ],
    [
      'a resource both granted and excluded',
      { ...base, resources: ['tasks', 'notes'], excluded_resources: ['wiki', 'notes'] },
      [{ path: '/excluded_resources/1', message: '"notes" is both granted and excluded' }],
    ],
    [
      'a filter for a catalogue resource that is not granted',
      { ...base, filters: { notes: {} } },
      [{ path: '/filters/notes', message: 'a filter for "notes", which is not in resources' }],
    ],
    [
      'a filter for a resource outside the catalogue',
      { ...base, filters: { payroll: {} } },
      [
        {
          path: '/filters/payroll',
          message: 'a filter for "payroll", which is not in the resource catalogue',
        },
      ],
    ],
    [
      'a filter keyed "__proto__" (JSON.parse makes it an own key)',
      JSON.parse('{"resources":["tasks"],"max_rows_per_query":5,"filters":{"__proto__":{}}}'),
      [{ path: '/filters/__proto__', message: 'unknown field "__proto__"' }],
    ],
    [
      'an unknown field in a filter',
      { ...base, filters: { tasks: { include_personal: true, teams: ['ops'] } } },
      [{ path: '/filters/tasks/teams', message: 'unknown field "teams"' }],
    ],
    [
      'include_personal that is not a boolean',
      { ...base, filters: { tasks: { include_personal: 'yes' } } },
      [{ path: '/filters/tasks/include_personal', message: 'expected true or false' }],
    ],
    [
      'an empty team id',
      { ...base, filters: { tasks: { include_teams: ['ops', ''] } } },
      [{ path: '/filters/tasks/include_teams/1', message: 'a team id cannot be empty' }],
    ],
    [
      'a team listed twice',
      { ...base, filters: { tasks: { include_teams: ['ops', 'ops'] } } },
      [{ path: '/filters/tasks/include_teams/1', message: '"ops" is listed twice' }],
    ],
    [
      'a missing max_rows_per_query',
      { resources: ['tasks'] },
      [{ path: '/max_rows_per_query', message: 'expected an integer from 1 to 10000' }],
    ],
    [
      'max_rows_per_query of 0',
      { ...base, max_rows_per_query: 0 },
      [{ path: '/max_rows_per_query', message: 'must be at least 1' }],
    ],
    [
      'max_rows_per_query of 10001',
      { ...base, max_rows_per_query: 10_001 },
      [{ path: '/max_rows_per_query', message: 'must be at most 10000' }],
    ],
    [
      'a fractional max_rows_per_query',
      { ...base, max_rows_per_query: 2.5 },
      [{ path: '/max_rows_per_query', message: 'must be a whole number' }],
    ],
    [
      'max_rows_per_query as a string',
      { ...base, max_rows_per_query: '100' },
      [{ path: '/max_rows_per_query', message: 'expected an integer from 1 to 10000' }],
    ],
    [
      'capabilities listed as a verb',
      { ...base, verbs: ['list', 'capabilities'] },
      [{ path: '/verbs/1', message: 'capabilities is always allowed; list only list, get or search' }],
    ],
    [
      'an unknown verb',
      { ...base, verbs: ['delete'] },
      [{ path: '/verbs/0', message: '"delete" is not a data verb (list, get, search)' }],
    ],
    [
      'an empty verbs list',
      { ...base, verbs: [] },
      [
        {
          path: '/verbs',
          message: 'list at least one verb, or leave verbs out to allow list, get and search',
        },
      ],
    ],
    [
      'a verb listed twice',
      { ...base, verbs: ['get', 'get'] },
      [{ path: '/verbs/1', message: '"get" is listed twice' }],
    ],
    [
      'a sensitive resource without approval',
      { ...base, resources: ['tasks', 'credentials'] },
      [
        {
          path: '/resources/1',
          message: '"credentials" is sensitive: it is granted only when approved_sensitive also lists it',
        },
      ],
    ],
    [
      'approval of a resource that is not sensitive',
      { ...base, approved_sensitive: ['tasks'] },
      [{ path: '/approved_sensitive/0', message: '"tasks" is not a sensitive resource' }],
    ],
    [
      'approval of a sensitive resource that is not granted',
      { ...base, approved_sensitive: ['credentials'] },
      [{ path: '/approved_sensitive/0', message: '"credentials" is approved but not in resources' }],
    ],
    [
      'an unknown top-level field',
      { ...base, max_rows: 5 },
      [{ path: '/max_rows', message: 'unknown field "max_rows"' }],
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(issuesOf(input)).toEqual(expected);
  });

  it('lists every issue of a scope with many problems in one error', () => {
    const issues = issuesOf({
      resources: ['tasks', 'tasks', 'credentials'],
      excluded_resources: ['tasks'],
      filters: { wiki: {} },
      max_rows_per_query: 0,
      extra: true,
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [
        '/resources/1',
        '/excluded_resources/0',
        '/filters/wiki',
        '/resources/2',
        '/max_rows_per_query',
        '/extra',
      ].sort(),
    );
  });

  it('throws a ScopeError a transport answers with 400 and a remediation', () => {
    let caught: unknown;
    try {
      parseScope({ resources: [] }, catalogue);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScopeError);
    expect(isFedtrustError(caught)).toBe(true);
    const error = caught as ScopeError;
    expect(error.code).toBe('scope_invalid');
    expect(ScopeError.code).toBe('scope_invalid');
    expect(error.name).toBe('ScopeError');
    expect(error.status).toBe(400);
    expect(error.remediation).toMatch(/Fix each listed issue/);
    expect(error.details).toEqual({ issues: error.issues });
    expect(error.message).toContain('/resources: grant at least one resource');
  });
});

describe('parseScope properties', () => {
  it('every accepted scope survives a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(scopeArbitrary(catalogue), (generated) => {
        const parsed = parseScope(generated, catalogue);
        expect(parsed).toEqual(generated);
        const revived = JSON.parse(JSON.stringify(parsed)) as unknown;
        expect(revived).toEqual(parsed);
        expect(parseScope(revived, catalogue)).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('any JSON value either parses to a scope that round-trips or throws ScopeError, never another error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          const parsed = parseScope(value, catalogue);
          expect(parseScope(JSON.parse(JSON.stringify(parsed)), catalogue)).toEqual(parsed);
        } catch (error) {
          expect(error).toBeInstanceOf(ScopeError);
          expect((error as ScopeError).issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * The guard against the host's current resource catalogue (`GuardDeps.catalogue`): a grant
 * keeps only what the catalogue still offers, on the terms it offers it now.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CertificateBinding, Grant, Peer } from '../grant/types.js';
import { defineResources, type ResourceCatalogue } from '../scope/define-resources.js';
import { parseScope } from '../scope/parse-scope.js';
import { type Scope, VERBS, type Verb } from '../scope/types.js';
import { scopeArbitrary } from '../testing/arbitraries.js';
import { explainDecision } from './explain-decision.js';
import { guard } from './guard.js';
import type { GuardDeps, GuardInput } from './types.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const GRANT_ID = '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40';
const SUBJECT = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const PEER_ID = '6f1c9a8e-2b3d-4e5f-8a7b-1c2d3e4f5a6b';
const SERIAL = '8f112233';

/** The catalogue the grant was created under. */
const AT_GRANT = defineResources({ tasks: {}, notes: {}, wiki: {}, credentials: { sensitive: true } });
/** Later: `notes` is withdrawn and `tasks` declared sensitive. */
const NOW_CATALOGUE = defineResources({
  tasks: { sensitive: true },
  wiki: {},
  credentials: { sensitive: true },
});

const SCOPE = parseScope(
  {
    resources: ['tasks', 'notes', 'credentials'],
    excluded_resources: ['wiki'],
    approved_sensitive: ['credentials'],
    max_rows_per_query: 40,
    verbs: ['list', 'get'],
  },
  AT_GRANT,
);

/** A healthy enrolled grant over plain maps: only the three lookups the guard makes. */
function world(scope: Scope = SCOPE, catalogue?: ResourceCatalogue) {
  const grant: Grant = {
    id: GRANT_ID,
    tenantId: 'tenant-1',
    peerId: PEER_ID,
    subjectUserId: SUBJECT,
    scope,
    status: 'active',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    activatedAt: new Date('2026-01-02T00:00:00Z'),
    revokedAt: null,
    expiresAt: null,
  };
  const peer: Peer = {
    id: PEER_ID,
    name: 'home-gateway',
    tenantId: 'tenant-1',
    status: 'active',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
  };
  const binding: CertificateBinding = {
    serial: SERIAL,
    peerId: PEER_ID,
    grantId: GRANT_ID,
    notBefore: new Date('2026-01-02T00:00:00Z'),
    notAfter: new Date('2027-01-02T00:00:00Z'),
    revokedAt: null,
  };
  const deps: GuardDeps = {
    store: {
      getGrant: async (id) => (id === grant.id ? grant : null),
      getPeer: async (id) => (id === peer.id ? peer : null),
      getCertificateBinding: async (serial) => (serial === binding.serial ? binding : null),
    },
    clock: { now: () => NOW },
    authorize: () => true,
    ...(catalogue === undefined ? {} : { catalogue }),
  };
  return deps;
}

const request = (verb: Verb, resource?: string): GuardInput => ({
  connection: { ok: true, identity: { grantId: GRANT_ID, subjectUserId: SUBJECT }, certSerial: SERIAL },
  verb,
  ...(resource === undefined ? {} : { resource }),
});

/** The deny and its explanation's deciding stage, checked to agree with `guard`. */
async function decided(input: GuardInput, deps: GuardDeps) {
  const decision = await guard(input, deps);
  const explanation = await explainDecision(input, deps);
  expect(explanation.decision).toEqual(decision);
  const denied = explanation.stages.filter((s) => s.outcome === 'deny');
  return { decision, denied };
}

describe('guard with the current catalogue', () => {
  it('without a catalogue keeps deciding on the stored scope alone', async () => {
    const deps = world();
    expect(await guard(request('list', 'notes'), deps)).toMatchObject({ allow: true, rowCap: 40 });
    expect(await guard(request('get', 'tasks'), deps)).toMatchObject({ allow: true });
  });

  it('denies resource_not_granted (403) for a granted resource the catalogue no longer lists, naming the catalogue', async () => {
    const { decision, denied } = await decided(request('list', 'notes'), world(SCOPE, NOW_CATALOGUE));
    expect(decision).toMatchObject({
      allow: false,
      status: 403,
      reason: 'resource_not_granted',
      stage: 'scope',
    });
    expect(denied).toEqual([
      {
        stage: 'scope',
        outcome: 'deny',
        detail: expect.stringContaining('no longer in the host catalogue'),
        clause: 'catalogue.has(notes)=false',
      },
    ]);
  });

  it('denies resource_not_granted for a resource since made sensitive that the scope never approved, naming /approved_sensitive', async () => {
    const { decision, denied } = await decided(request('get', 'tasks'), world(SCOPE, NOW_CATALOGUE));
    expect(decision).toMatchObject({
      allow: false,
      status: 403,
      reason: 'resource_not_granted',
      stage: 'scope',
    });
    expect(denied).toEqual([
      {
        stage: 'scope',
        outcome: 'deny',
        detail: expect.stringContaining('sensitive'),
        clause: '/approved_sensitive',
      },
    ]);
  });

  it('still allows a sensitive resource the scope approved, with its row cap', async () => {
    expect(await guard(request('list', 'credentials'), world(SCOPE, NOW_CATALOGUE))).toMatchObject({
      allow: true,
      rowCap: 40,
    });
  });

  it('reports a withdrawn resource before any verb question, like a resource the scope never granted', async () => {
    const { decision } = await decided(request('search', 'notes'), world(SCOPE, NOW_CATALOGUE));
    expect(decision).toMatchObject({ reason: 'resource_not_granted' });
    expect(await guard(request('search', 'credentials'), world(SCOPE, NOW_CATALOGUE))).toMatchObject({
      reason: 'verb_not_allowed',
    });
  });

  it('keeps the more specific resource_excluded and resource_not_granted of the scope itself', async () => {
    const deps = world(SCOPE, NOW_CATALOGUE);
    expect((await decided(request('list', 'wiki'), deps)).denied[0]?.clause).toBe('/excluded_resources/0');
    expect((await decided(request('list', 'payroll'), deps)).denied[0]?.clause).toBe('/resources');
  });

  it('allows capabilities whatever the catalogue says (it returns no rows)', async () => {
    expect(await guard(request('capabilities'), world(SCOPE, NOW_CATALOGUE))).toMatchObject({
      allow: true,
      rowCap: 0,
    });
  });

  it('never lets two catalogues share a decision for the same store and grant', async () => {
    const deps = world();
    const then = { ...deps, catalogue: AT_GRANT };
    const now = { ...deps, catalogue: NOW_CATALOGUE };
    for (let round = 0; round < 2; round++) {
      expect((await guard(request('list', 'notes'), then)).allow).toBe(true);
      expect(await guard(request('list', 'notes'), now)).toMatchObject({ reason: 'resource_not_granted' });
      expect((await guard(request('get', 'tasks'), then)).allow).toBe(true);
      expect(await guard(request('get', 'tasks'), now)).toMatchObject({ reason: 'resource_not_granted' });
    }
  });

  it('denies decision_failed (503) when the catalogue throws', async () => {
    const broken: ResourceCatalogue = {
      ...NOW_CATALOGUE,
      has: () => {
        throw new Error('catalogue reload in progress');
      },
    };
    const { decision, denied } = await decided(request('list', 'tasks'), world(SCOPE, broken));
    expect(decision).toMatchObject({ status: 503, reason: 'decision_failed', stage: 'scope' });
    expect(denied.map((s) => s.stage)).toEqual(['scope']);
  });
});

/** Names a host may have in its catalogue, and the one it never had. */
const BASE = defineResources({
  tasks: {},
  notes: {},
  wiki: {},
  calendar: {},
  credentials: { sensitive: true },
});

/** The catalogue after the host changed it: some names withdrawn, some sensitivity flags flipped. */
const driftArbitrary: fc.Arbitrary<ResourceCatalogue> = fc
  .record({
    kept: fc.subarray([...BASE.names], { minLength: 1 }),
    sensitive: fc.subarray([...BASE.names]),
  })
  .map(({ kept, sensitive }) =>
    defineResources(Object.fromEntries(kept.map((name) => [name, { sensitive: sensitive.includes(name) }]))),
  );

describe('guard with the current catalogue, properties', () => {
  it('never allows a data verb on a resource the current catalogue lacks or marks sensitive without approval, and explain always agrees with guard', async () => {
    await fc.assert(
      fc.asyncProperty(
        scopeArbitrary(BASE),
        fc.option(driftArbitrary, { nil: undefined, freq: 5 }),
        fc.constantFrom(...VERBS),
        fc.constantFrom(...BASE.names, 'payroll'),
        async (scope, catalogue, verb, resource) => {
          const deps = world(scope, catalogue);
          const input = request(verb, resource);
          const decision = await guard(input, deps);
          expect((await explainDecision(input, deps)).decision).toEqual(decision);
          if (!decision.allow || verb === 'capabilities' || catalogue === undefined) return;
          expect(catalogue.has(resource)).toBe(true);
          if (catalogue.isSensitive(resource)) expect(scope.approved_sensitive).toContain(resource);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with a catalogue, allows exactly what it allows without one, minus withdrawn and unapproved sensitive resources', async () => {
    await fc.assert(
      fc.asyncProperty(
        scopeArbitrary(BASE),
        driftArbitrary,
        fc.constantFrom(...VERBS),
        fc.constantFrom(...BASE.names),
        async (scope, catalogue, verb, resource) => {
          const input = request(verb, resource);
          const without = await guard(input, world(scope));
          const withCatalogue = await guard(input, world(scope, catalogue));
          const withdrawn =
            verb !== 'capabilities' &&
            scope.resources.includes(resource) &&
            (!catalogue.has(resource) ||
              (catalogue.isSensitive(resource) && !(scope.approved_sensitive ?? []).includes(resource)));
          if (withdrawn)
            expect(withCatalogue).toMatchObject({ allow: false, reason: 'resource_not_granted' });
          else expect(withCatalogue).toEqual(without);
        },
      ),
      { numRuns: 500 },
    );
  });
});

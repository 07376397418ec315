/**
 * Model-based test of admission + registry against the reference store, with
 * `fc.scheduler` deciding the order in which every store call resolves, so connects,
 * disconnects, store failures and flag flips interleave arbitrarily.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProviderTokenStore } from '../ports/store.js';
import { routingEligible } from '../registry/routing-eligible.js';
import { SessionRegistry } from '../registry/session-registry.js';
import type { RegisterResult, SessionRegistration } from '../registry/types.js';
import { memoryStore } from '../testing/memory-store.js';
import {
  countingRandom,
  type FaultPlan,
  faultyStore,
  manualClock,
  type TokenOperation,
} from './admission.fixtures.js';
import { admitProvider } from './admit-provider.js';
import { connectProvider } from './connect-provider.js';

const PROVIDERS = ['p1', 'p2'] as const;
const KINDS = ['keeper', 'dropper', 'impostor'] as const;
type Kind = (typeof KINDS)[number];

/** A client: `keeper` stores tokens and presents them, `dropper` never keeps one, `impostor` claims the id with nothing. */
interface Client {
  providerId: string;
  kind: Kind;
  token: string | null;
  lastConnection: string | null;
}

/** The registry, checked on every registration against the eviction invariant. */
class CheckedRegistry extends SessionRegistry {
  constructor(private readonly violations: string[]) {
    super();
  }
  override register(entry: SessionRegistration): RegisterResult {
    const before = this.get(entry.providerId);
    const result = super.register(entry);
    const after = this.get(entry.providerId);
    const replaced = before !== undefined && after?.connectionId !== before.connectionId;
    if (replaced && before.authState === 'bearer_validated' && entry.authState !== 'bearer_validated') {
      this.violations.push(
        `${entry.authState} ${entry.connectionId} evicted bearer_validated ${before.connectionId}`,
      );
    }
    if (
      result.registered &&
      result.evicted?.authState === 'bearer_validated' &&
      entry.authState !== 'bearer_validated'
    ) {
      this.violations.push(`register reported a non-bearer eviction of ${result.evicted.connectionId}`);
    }
    return result;
  }
}

interface Real {
  inner: ReturnType<typeof memoryStore>;
  shared: ProviderTokenStore;
  plan: FaultPlan;
  registry: CheckedRegistry;
  clients: Map<string, Client>;
  flag: boolean;
  pending: Promise<void>[];
  violations: string[];
  connections: number;
  clock: ReturnType<typeof manualClock>;
  random: ReturnType<typeof countingRandom>;
  seen: Map<string, number>;
}

const note = (real: Real, what: string) => real.seen.set(what, (real.seen.get(what) ?? 0) + 1);
type Model = Record<string, never>;

/** Wraps the shared store for one connection attempt, remembering whether any call failed. */
function tracked(store: ProviderTokenStore): { store: ProviderTokenStore; failed: () => boolean } {
  let failed = false;
  const wrap =
    <K extends TokenOperation>(op: K) =>
    async (
      ...args: Parameters<ProviderTokenStore[K]>
    ): Promise<Awaited<ReturnType<ProviderTokenStore[K]>>> => {
      try {
        const method = store[op] as (
          ...a: Parameters<ProviderTokenStore[K]>
        ) => ReturnType<ProviderTokenStore[K]>;
        return (await method(...args)) as Awaited<ReturnType<ProviderTokenStore[K]>>;
      } catch (error) {
        failed = true;
        throw error;
      }
    };
  return {
    store: {
      validateAndMarkUsed: wrap('validateAndMarkUsed'),
      findActive: wrap('findActive'),
      revokeUnused: wrap('revokeUnused'),
      issue: wrap('issue'),
      listProviderTokens: wrap('listProviderTokens'),
      revokeProviderToken: wrap('revokeProviderToken'),
    },
    failed: () => failed,
  };
}

function checkRegistry(real: Real, when: string): void {
  for (const view of real.registry.snapshot()) {
    if (view.eligible && view.authState !== 'bearer_validated' && view.authState !== 'self_minted') {
      real.violations.push(`${when}: ${view.authState} session ${view.connectionId} is routing-eligible`);
    }
  }
}

async function checkStore(real: Real, when: string): Promise<void> {
  const tokens = await real.inner.listProviderTokens();
  for (const providerId of PROVIDERS) {
    const active = tokens.filter((t) => t.providerId === providerId && t.revokedAt === null);
    if (active.length > 1) real.violations.push(`${when}: ${active.length} active tokens for ${providerId}`);
  }
}

class Connect implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly providerId: string,
    readonly kind: Kind,
    readonly viaConnectProvider: boolean,
    readonly capacity: number,
  ) {}
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    const client = real.clients.get(`${this.providerId}:${this.kind}`) as Client;
    const connectionId = `c${++real.connections}`;
    note(real, 'started');
    client.lastConnection = connectionId;
    const bearer =
      this.kind === 'keeper'
        ? client.token
        : this.kind === 'impostor' && this.capacity === 2
          ? 'ftp_guess'
          : null;
    const attempt = tracked(real.shared);
    const deps = {
      store: attempt.store,
      requireProviderTokens: real.flag,
      clock: real.clock,
      random: real.random,
      onEvent: (event: { kind: string }) => note(real, event.kind),
    };
    const request = {
      providerId: this.providerId,
      connectionId,
      capacity: this.capacity,
      ...(bearer ? { bearer } : {}),
    };
    const work = (async () => {
      let admitted: boolean;
      let token: string | undefined;
      let invalid = false;
      if (this.viaConnectProvider) {
        const outcome = await connectProvider(request, { ...deps, registry: real.registry });
        admitted = outcome.accepted;
        if (!outcome.accepted && outcome.refusal) note(real, outcome.refusal);
        if (outcome.accepted && outcome.evicted) note(real, `evicted:${outcome.evicted.authState}`);
        token = outcome.accepted ? outcome.decision.token : undefined;
        invalid =
          !outcome.accepted &&
          outcome.decision?.admit === false &&
          outcome.decision.reject.code === 'invalid_token';
        if (outcome.decision && !routingEligibleAllowed(outcome.decision.authState)) {
          const probe = { ...request, authState: outcome.decision.authState as never, inFlight: 0 };
          if (routingEligible(probe))
            real.violations.push(`${outcome.decision.authState} decision is routing-eligible`);
        }
      } else {
        const decision = await admitProvider(request, deps);
        admitted = decision.admit;
        token = decision.admit ? decision.token : undefined;
        invalid = !decision.admit && decision.reject.code === 'invalid_token';
        const probe = { ...request, authState: (decision.authState ?? '') as never, inFlight: 0 };
        if (routingEligible(probe) && !routingEligibleAllowed(decision.authState)) {
          real.violations.push(`${String(decision.authState)} decision is routing-eligible`);
        }
        if (decision.admit) {
          const result = real.registry.register({ ...request, authState: decision.authState });
          note(
            real,
            result.registered
              ? result.evicted
                ? `evicted:${result.evicted.authState}`
                : 'registered'
              : result.reason,
          );
        }
      }
      if (attempt.failed() && admitted)
        real.violations.push(`${connectionId} admitted despite a store error`);
      if (attempt.failed() && real.registry.get(this.providerId)?.connectionId === connectionId) {
        real.violations.push(`${connectionId} registered despite a store error`);
      }
      if (this.kind === 'keeper') {
        if (token !== undefined) client.token = token;
        else if (invalid) client.token = null;
      }
      checkRegistry(real, `after ${connectionId}`);
      note(real, 'finished');
    })();
    real.pending.push(work);
  }
  toString = () =>
    `connect(${this.providerId}, ${this.kind}${this.viaConnectProvider ? '' : ', raw'}, cap ${this.capacity})`;
}

function routingEligibleAllowed(authState: unknown): boolean {
  return authState === 'bearer_validated' || authState === 'self_minted';
}

class Disconnect implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly providerId: string,
    readonly kind: Kind,
  ) {}
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    const client = real.clients.get(`${this.providerId}:${this.kind}`) as Client;
    if (client.lastConnection === null) return;
    const holder = real.registry.get(this.providerId);
    const removed = real.registry.unregister(this.providerId, client.lastConnection);
    note(real, removed ? 'unregistered' : 'unregister_ignored');
    const expected = holder?.connectionId === client.lastConnection;
    if (removed !== expected)
      real.violations.push(`unregister(${client.lastConnection}) returned ${removed}`);
    if (!expected && real.registry.get(this.providerId)?.connectionId !== holder?.connectionId) {
      real.violations.push(`unregister(${client.lastConnection}) removed another connection`);
    }
    checkRegistry(real, 'after disconnect');
  }
  toString = () => `disconnect(${this.providerId}, ${this.kind})`;
}

class FailNext implements fc.AsyncCommand<Model, Real> {
  constructor(readonly operation: TokenOperation) {}
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    real.plan.failNext.push(this.operation);
  }
  toString = () => `failNext(${this.operation})`;
}

class StoreDown implements fc.AsyncCommand<Model, Real> {
  constructor(readonly down: boolean) {}
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    real.plan.down = this.down;
  }
  toString = () => (this.down ? 'storeDown' : 'storeUp');
}

class FlipFlag implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    real.flag = !real.flag;
  }
  toString = () => 'flipRequireProviderTokens';
}

class Load implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly providerId: string,
    readonly inFlight: number,
  ) {}
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    const holder = real.registry.get(this.providerId);
    if (holder !== undefined) real.registry.setInFlight(this.providerId, holder.connectionId, this.inFlight);
    checkRegistry(real, 'after load change');
  }
  toString = () => `load(${this.providerId}, ${this.inFlight})`;
}

/** The operator revokes a provider's active token (rotation, suspicion) while its session may be live. */
class OperatorRevoke implements fc.AsyncCommand<Model, Real> {
  constructor(readonly providerId: string) {}
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    const work = (async () => {
      try {
        const active = await real.shared.findActive(this.providerId);
        if (active !== null && (await real.shared.revokeProviderToken(active.id, real.clock.now()))) {
          note(real, 'operator_revoked');
        }
      } catch {
        note(real, 'operator_revoke_failed');
      }
    })();
    real.pending.push(work);
  }
  toString = () => `operatorRevoke(${this.providerId})`;
}

class CheckStore implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, real: Real): Promise<void> {
    await checkStore(real, 'mid-run');
  }
  toString = () => 'checkStore';
}

const provider = fc.constantFrom(...PROVIDERS);
const kind = fc.constantFrom(...KINDS);
const connect = fc
  .tuple(provider, kind, fc.boolean(), fc.integer({ min: 1, max: 2 }))
  .map(([p, k, via, cap]): fc.AsyncCommand<Model, Real> => new Connect(p, k, via, cap));
const disconnect = fc
  .tuple(provider, kind)
  .map(([p, k]): fc.AsyncCommand<Model, Real> => new Disconnect(p, k));
/** Connects dominate (listed several times), so most runs reach the later rows of the table. */
const commandArbitraries: fc.Arbitrary<fc.AsyncCommand<Model, Real>>[] = [
  connect,
  connect,
  connect,
  connect,
  disconnect,
  disconnect,
  fc
    .constantFrom<TokenOperation>('validateAndMarkUsed', 'findActive', 'revokeUnused', 'issue')
    .map((op) => new FailNext(op)),
  fc.boolean().map((down) => new StoreDown(down)),
  fc.constant(new FlipFlag()),
  fc.tuple(provider, fc.integer({ min: 0, max: 2 })).map(([p, n]) => new Load(p, n)),
  provider.map((p): fc.AsyncCommand<Model, Real> => new OperatorRevoke(p)),
  fc.constant(new CheckStore()),
];
const commands = fc.commands(commandArbitraries, { maxCommands: 40, size: 'large' });
describe('admission and registry under arbitrary interleavings (model-based, fc.scheduler)', () => {
  const seen = new Map<string, number>();

  it('holds: at most one active token per provider; no non-bearer connection evicts a routable bearer_validated session; a store error never admits; routingEligible is never true for bearerless_duplicate, mint_failed or an unknown state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), commands, async (s, cmds) => {
        const inner = memoryStore();
        const violations: string[] = [];
        const faulty = faultyStore(inner, { before: (op) => s.schedule(Promise.resolve(), op) });
        const clients = new Map<string, Client>();
        for (const p of PROVIDERS) {
          for (const k of KINDS)
            clients.set(`${p}:${k}`, { providerId: p, kind: k, token: null, lastConnection: null });
        }
        const real: Real = {
          inner,
          shared: faulty.store,
          plan: faulty.plan,
          registry: new CheckedRegistry(violations),
          clients,
          flag: false,
          pending: [],
          violations,
          connections: 0,
          clock: manualClock(),
          random: countingRandom(),
          seen,
        };
        await fc.scheduledModelRun(s, () => ({ model: {}, real }), cmds);
        await s.waitFor(Promise.all(real.pending));
        await checkStore(real, 'end');
        checkRegistry(real, 'end');
        expect(violations).toEqual([]);
      }),
      { numRuns: 1000 },
    );
    // The runs must actually reach every row of the table and every registry outcome, or the invariants held vacuously.
    for (const outcome of [
      'bearer_ok',
      'bearer_rejected',
      'token_required',
      'minted',
      'self_heal',
      'tofu_reject',
      'race_loss_admit_quarantined',
      'mint_failed',
      'store_error',
      'live_session_protected',
      'duplicate_never_evicts',
      'evicted:self_minted',
      'evicted:bearer_validated',
      'unregistered',
      'unregister_ignored',
      'operator_revoked',
    ]) {
      expect(seen.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
  });
});

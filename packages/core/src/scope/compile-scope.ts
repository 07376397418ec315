/**
 * Precompiling a scope into lookup tables, so evaluating a request is a few Set/Map reads.
 *
 * @module @fedtrust/core/scope
 */
import { DATA_VERBS } from './scope-schema.js';
import type { ResourceFilter, Scope, Verb } from './types.js';

/** An allowed request: the row cap and filter the resource source must apply. */
export interface ScopeAllow {
  readonly allow: true;
  readonly rowCap: number;
  /** The scope's filter for the resource; `null` when the scope sets none (all rows the subject may see). */
  readonly filter: ResourceFilter | null;
}

/** A denied request and why. */
export interface ScopeDeny {
  readonly allow: false;
  readonly reason: 'resource_not_granted' | 'resource_excluded' | 'verb_not_allowed';
}

export type ScopeEvaluation = ScopeAllow | ScopeDeny;

/** A scope ready for {@link evaluate}. Immutable: later changes to the source scope have no effect. */
export interface CompiledScope {
  /** A deep-frozen copy of the scope it was compiled from. */
  readonly scope: Readonly<Scope>;
  readonly rowCap: number;
  readonly verbs: ReadonlySet<Verb>;
  /** One precomputed, frozen allow result per granted resource (evaluate allocates nothing). */
  readonly granted: ReadonlyMap<string, ScopeAllow>;
  /** Excluded resource → its index in `excluded_resources`, for the deny clause. */
  readonly excluded: ReadonlyMap<string, number>;
}

/**
 * Compile a validated scope (the output of `parseScope`, or one read back from a store)
 * into an evaluator. The scope is copied and frozen, so the result is safe to cache for as
 * long as the scope itself cannot change.
 */
export function compileScope(scope: Scope): CompiledScope {
  const frozen = deepFreeze(structuredClone(scope));
  const rowCap = frozen.max_rows_per_query;
  const filters = frozen.filters ?? {};
  const granted = new Map<string, ScopeAllow>();
  for (const resource of frozen.resources) {
    const filter = Object.hasOwn(filters, resource) ? (filters[resource] ?? null) : null;
    granted.set(resource, Object.freeze({ allow: true, rowCap, filter }));
  }
  const excluded = new Map<string, number>();
  (frozen.excluded_resources ?? []).forEach((resource, index) => {
    excluded.set(resource, index);
  });
  return Object.freeze({
    scope: frozen,
    rowCap,
    verbs: new Set<Verb>(frozen.verbs ?? DATA_VERBS),
    granted,
    excluded,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

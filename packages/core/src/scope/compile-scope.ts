/**
 * Precompiling a scope into lookup tables, so evaluating a request is a few Set/Map reads.
 *
 * @module @fedtrust/core/scope
 */
import { defineResources, type ResourceCatalogue } from './define-resources.js';
import { parseScope } from './parse-scope.js';
import { ScopeError } from './scope-error.js';
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
 * Compile a scope (the output of `parseScope`, or one read back from a store) into an
 * evaluator. The scope is validated again first: a stored record is only as sound as the
 * store, and a missing `max_rows_per_query` or a string `resources` must not compile into an
 * evaluator that allows with an undefined row cap. Throws {@link ScopeError} for any scope
 * `parseScope` would refuse under a catalogue naming exactly the scope's own resources (the
 * host's catalogue is not known here). The scope is copied and frozen, so the result is safe
 * to cache for as long as the scope itself cannot change.
 */
export function compileScope(scope: Scope): CompiledScope {
  const frozen = deepFreeze(structuredClone(revalidate(scope)));
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

/** Distinct resource sets among a host's grants are few; the bound only stops unbounded growth. */
const OWN_CATALOGUE_LIMIT = 64;
/** Catalogues (and so zod schemas, which cost milliseconds to build) per resource set, reused across grants. */
const ownCatalogues = new Map<string, ResourceCatalogue>();

function revalidate(scope: unknown): Scope {
  const record = isRecord(scope) ? scope : {};
  const approved = strings(record['approved_sensitive']).sort();
  const names = [
    ...new Set([...strings(record['resources']), ...strings(record['excluded_resources'])]),
  ].sort();
  return parseScope(scope, ownCatalogue(names, approved));
}

/** A catalogue naming exactly `names`, the approved ones sensitive, so the scope's own approvals stay consistent. */
function ownCatalogue(names: string[], approved: string[]): ResourceCatalogue {
  const key = JSON.stringify([names, approved]);
  let catalogue = ownCatalogues.get(key);
  if (catalogue !== undefined) return catalogue;
  const sensitive = new Set(approved);
  try {
    catalogue = defineResources(
      Object.fromEntries(names.map((name) => [name, { sensitive: sensitive.has(name) }])),
    );
  } catch {
    throw new ScopeError([
      { path: '/resources', message: 'the scope names no resource, or a resource name no catalogue allows' },
    ]);
  }
  if (ownCatalogues.size >= OWN_CATALOGUE_LIMIT)
    ownCatalogues.delete(ownCatalogues.keys().next().value as string);
  ownCatalogues.set(key, catalogue);
  return catalogue;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Compiled scopes, cached per store and grant id.
 *
 * Caching is sound because a grant's scope is immutable once the grant is created: the store
 * port has no operation that changes it (a different scope means a new grant with a new id).
 * Only the compiled scope is cached — grant and peer status are read from the store on every
 * request, so revocation and suspension take effect on the next request. The cache is keyed
 * by the store object (a WeakMap), so two stores in one process never share entries, and
 * each store's map is bounded; evicting the oldest entry only costs one recompilation.
 *
 * @module @fedtrust/core/guard
 */
import type { Grant } from '../grant/types.js';
import { type CompiledScope, compileScope } from '../scope/compile-scope.js';

/** Grants one gateway serves concurrently are usually far fewer; beyond this, compile again. */
export const COMPILED_SCOPE_CACHE_LIMIT = 1024;

const caches = new WeakMap<object, Map<string, CompiledScope>>();

/** The compiled scope of `grant`, compiled at most once per store while it stays cached. */
export function compiledScopeFor(store: object, grant: Grant): CompiledScope {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new Map();
    caches.set(store, cache);
  }
  let compiled = cache.get(grant.id);
  if (compiled === undefined) {
    compiled = compileScope(grant.scope);
    if (cache.size >= COMPILED_SCOPE_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(grant.id, compiled);
  }
  return compiled;
}

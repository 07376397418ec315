/**
 * Deciding one request against a compiled scope.
 *
 * @module @fedtrust/core/scope
 */
import type { CompiledScope, ScopeDeny, ScopeEvaluation } from './compile-scope.js';
import type { Verb } from './types.js';

/** What is asked: a verb and, for every verb but `capabilities`, a resource. */
export interface ScopeRequest {
  verb: Verb;
  resource?: string | null | undefined;
}

const CAPABILITIES: ScopeEvaluation = Object.freeze({ allow: true, rowCap: 0, filter: null });
const NOT_GRANTED: ScopeDeny = Object.freeze({ allow: false, reason: 'resource_not_granted' });
const EXCLUDED: ScopeDeny = Object.freeze({ allow: false, reason: 'resource_excluded' });
const VERB_NOT_ALLOWED: ScopeDeny = Object.freeze({ allow: false, reason: 'verb_not_allowed' });

/**
 * Decide whether the scope lets `verb` read `resource`.
 *
 * `capabilities` is always allowed (row cap 0: it returns no rows) and never reaches the
 * resource checks. Otherwise the checks run in order excluded → not granted → verb, so an
 * explicitly excluded resource reports the more specific `resource_excluded`, and a resource
 * the grant does not cover says so before any verb question. An allow carries the scope's
 * `max_rows_per_query` and the resource's filter. Returns frozen, shared objects; allocates nothing.
 */
export function evaluate(compiled: CompiledScope, request: ScopeRequest): ScopeEvaluation {
  if (request.verb === 'capabilities') return CAPABILITIES;
  const resource = request.resource;
  if (typeof resource !== 'string') return NOT_GRANTED;
  if (compiled.excluded.has(resource)) return EXCLUDED;
  const allow = compiled.granted.get(resource);
  if (allow === undefined) return NOT_GRANTED;
  if (!compiled.verbs.has(request.verb)) return VERB_NOT_ALLOWED;
  return allow;
}

/**
 * The JSON pointer into the scope that decided a deny: `/excluded_resources/<i>` for an
 * excluded resource, `/resources` for one not granted, `/verbs` for a verb not allowed.
 */
export function scopeDenyClause(
  compiled: CompiledScope,
  deny: ScopeDeny,
  resource: string | null | undefined,
): string {
  switch (deny.reason) {
    case 'resource_excluded': {
      const index = typeof resource === 'string' ? compiled.excluded.get(resource) : undefined;
      return index === undefined ? '/excluded_resources' : `/excluded_resources/${index}`;
    }
    case 'resource_not_granted':
      return '/resources';
    case 'verb_not_allowed':
      return '/verbs';
  }
}

/**
 * Turning an untrusted scope document into a validated {@link Scope}.
 *
 * @module @fedtrust/core/scope
 */
import type { ResourceCatalogue } from './define-resources.js';
import { jsonPointer } from './json-pointer.js';
import { ScopeError, type ScopeIssue } from './scope-error.js';
import { scopeSchema } from './scope-schema.js';
import type { Scope } from './types.js';

/**
 * Validate `input` (parsed JSON, a CLI scope file, an API body) against `catalogue` and
 * return the complete scope, defaults filled in. The result survives a JSON round trip
 * unchanged, so it is exactly what a store keeps.
 *
 * Throws {@link ScopeError} (`scope_invalid`, status 400) listing every issue with its
 * JSON pointer; never returns a partially valid scope.
 */
export function parseScope(input: unknown, catalogue: ResourceCatalogue): Scope {
  const result = scopeSchema(catalogue).safeParse(input);
  if (result.success) return result.data;
  const issues: ScopeIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const inFilters = issue.path.length === 1 && issue.path[0] === 'filters';
      for (const key of issue.keys) {
        const message = inFilters
          ? `a filter for ${JSON.stringify(key)}, which is not in the resource catalogue`
          : `unknown field ${JSON.stringify(key)}`;
        issues.push({ path: jsonPointer([...issue.path, key]), message });
      }
    } else {
      issues.push({ path: jsonPointer(issue.path), message: issue.message });
    }
  }
  throw new ScopeError(issues);
}

/**
 * What the host's current resource catalogue takes back from a stored scope.
 *
 * A scope is checked against the catalogue once, when its grant is created; the host may
 * later withdraw a resource or declare it sensitive. These checks are read from the live
 * catalogue on every request, not compiled into the cached scope: they cost two set
 * lookups, and with nothing catalogue-derived in the cache, two catalogues (or one swapped
 * at run time) can never share an answer.
 *
 * @module @fedtrust/core/guard
 */
import type { ResourceCatalogue } from '../scope/define-resources.js';
import type { Scope } from '../scope/types.js';

/** Why the catalogue no longer offers a granted resource: gone, or sensitive now and never approved. */
export type CatalogueWithdrawal = 'removed' | 'unapproved_sensitive';

/**
 * Whether `catalogue` still offers `resource`, which `scope` grants, on the scope's terms:
 * `removed` when the catalogue no longer lists it, `unapproved_sensitive` when it is now
 * sensitive and the scope's `approved_sensitive` does not name it, else `null`.
 */
export function catalogueWithdrawal(
  catalogue: ResourceCatalogue,
  scope: Readonly<Scope>,
  resource: string,
): CatalogueWithdrawal | null {
  if (!catalogue.has(resource)) return 'removed';
  if (catalogue.isSensitive(resource) && !(scope.approved_sensitive ?? []).includes(resource)) {
    return 'unapproved_sensitive';
  }
  return null;
}

/** The explanation's detail for a withdrawal. */
export function withdrawalDetail(withdrawal: CatalogueWithdrawal, resource: string): string {
  return withdrawal === 'removed'
    ? `the scope grants ${resource}, but it is no longer in the host catalogue`
    : `${resource} is now sensitive in the host catalogue and the scope does not approve it`;
}

/** The deciding clause: a field clause on the catalogue, or the scope's missing approval. */
export function withdrawalClause(withdrawal: CatalogueWithdrawal, resource: string): string {
  return withdrawal === 'removed' ? `catalogue.has(${resource})=false` : '/approved_sensitive';
}

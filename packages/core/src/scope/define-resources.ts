/**
 * The host's resource catalogue: the only resource names a scope may mention.
 *
 * @module @fedtrust/core/scope
 */
import { FedtrustError } from '../errors/fedtrust-error.js';

/** How the host describes one resource it can serve to peers. */
export interface ResourceDefinition {
  /** A sensitive resource is granted only when the scope also lists it under `approved_sensitive`. */
  sensitive?: boolean;
}

/** A validated, frozen catalogue. Build it once at start-up with {@link defineResources}. */
export interface ResourceCatalogue {
  /** Every resource name, in the order the host declared them. */
  readonly names: readonly [string, ...string[]];
  /** Names of the sensitive resources. */
  readonly sensitive: ReadonlySet<string>;
  has(name: string): boolean;
  isSensitive(name: string): boolean;
}

/**
 * Resource names travel in URL paths (`/fedtrust/v1/list/:resource`) and JSON pointers, so
 * they are restricted to a path-segment-safe alphabet; a leading letter or digit also keeps
 * `__proto__`-style names out.
 */
const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Validate and freeze the host's resource catalogue.
 *
 * Throws a `FedtrustError` with code `resource_catalogue_invalid` for an empty catalogue, a
 * name outside `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}` or a definition that is not an object.
 *
 * @example
 * const catalogue = defineResources({ tasks: {}, notes: {}, credentials: { sensitive: true } });
 */
export function defineResources(catalogue: Record<string, ResourceDefinition>): ResourceCatalogue {
  if (typeof catalogue !== 'object' || catalogue === null) {
    throw catalogueError('The resource catalogue must be an object keyed by resource name.');
  }
  const names = Object.keys(catalogue);
  if (names.length === 0) throw catalogueError('The resource catalogue declares no resources.');
  const sensitive = new Set<string>();
  for (const name of names) {
    if (!RESOURCE_NAME.test(name)) {
      throw catalogueError(`Resource name ${JSON.stringify(name)} is not allowed.`, name);
    }
    const definition = catalogue[name];
    if (typeof definition !== 'object' || definition === null) {
      throw catalogueError(`Resource ${JSON.stringify(name)} must be defined by an object such as {}.`, name);
    }
    if (definition.sensitive !== undefined && typeof definition.sensitive !== 'boolean') {
      throw catalogueError(`Resource ${JSON.stringify(name)} has a non-boolean "sensitive" flag.`, name);
    }
    if (definition.sensitive === true) sensitive.add(name);
  }
  const known = new Set(names);
  return Object.freeze({
    names: Object.freeze(names) as unknown as readonly [string, ...string[]],
    sensitive,
    has: (name: string) => known.has(name),
    isSensitive: (name: string) => sensitive.has(name),
  });
}

function catalogueError(message: string, name?: string): FedtrustError {
  return new FedtrustError('resource_catalogue_invalid', message, {
    status: 500,
    remediation:
      'Declare at least one resource, each named with letters, digits, "_", "." or "-" (at most 64 characters) and defined by an object such as {} or { sensitive: true }.',
    ...(name === undefined ? {} : { details: { name } }),
  });
}

/**
 * Scope shapes shared by the schema, the evaluator and the store.
 *
 * @module @fedtrust/core/scope
 */

/** The federation verbs a peer can call. `capabilities` is answered for every active grant. */
export const VERBS = ['capabilities', 'list', 'get', 'search'] as const;
export type Verb = (typeof VERBS)[number];

/** Per-resource row filter carried by a scope. */
export interface ResourceFilter {
  /** When present, only rows of these teams are visible. */
  include_teams?: string[];
  /** Whether the subject user's personal rows are visible (default true). */
  include_personal: boolean;
}

/** A validated grant scope, exactly as stored (JSON round-trips unchanged). */
export interface Scope {
  resources: string[];
  excluded_resources?: string[];
  filters?: Record<string, ResourceFilter>;
  max_rows_per_query: number;
  /** Data verbs the grant allows; absent means all of `list`, `get`, `search`. */
  verbs?: Exclude<Verb, 'capabilities'>[];
  /** Sensitive resources the grant owner explicitly approved; required for each sensitive resource listed. */
  approved_sensitive?: string[];
}

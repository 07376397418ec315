/**
 * Typed errors of the tier module.
 *
 * @module @fedtrust/core/tier
 */
import { FedtrustError } from '../errors/fedtrust-error.js';
import type { RouteProblem } from './types.js';

/** The host's tier configuration is unusable (`tiers_invalid`) or names a tier it does not define (`tier_unknown`). */
export class TierConfigError extends FedtrustError {
  static override readonly code: string = 'tiers_invalid';
  override readonly name = 'TierConfigError';

  constructor(code: 'tiers_invalid' | 'tier_unknown', message: string, details?: Record<string, unknown>) {
    super(code, message, {
      status: 500,
      remediation:
        code === 'tiers_invalid'
          ? 'Pass defineTiers a non-empty list of distinct, non-empty tier names, lowest first.'
          : 'Gate routes only with tiers that defineTiers declared.',
      ...(details ? { details } : {}),
    });
  }
}

/** One offending route of a route table. */
export interface RouteOffender {
  name: string;
  problem: RouteProblem;
}

/** A route table has routes that are neither gated nor explicitly public. Lists every offender. */
export class RouteTableError extends FedtrustError {
  static override readonly code = 'route_table_incomplete';
  override readonly name = 'RouteTableError';
  readonly offenders: RouteOffender[];

  constructor(offenders: RouteOffender[]) {
    super(
      RouteTableError.code,
      `Route table is incomplete: ${offenders.map((o) => `${o.name} (${o.problem})`).join(', ')}`,
      {
        status: 500,
        remediation:
          'Give each listed route a gate (requireTier or a host gate) or mark it `public: true`, and declare each route once.',
        details: { offenders },
      },
    );
    this.offenders = offenders;
  }
}

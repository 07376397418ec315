/**
 * Default-deny completeness of a host's route table.
 *
 * @module @fedtrust/core/tier
 */
import { type RouteOffender, RouteTableError } from './tier-errors.js';
import type { RouteDeclaration, RouteGate } from './types.js';

/**
 * Passes only when every route has a gate or an explicit `public: true`, none has both, and
 * no name is declared twice. Otherwise throws {@link RouteTableError} listing every offender
 * by name, so a host can refuse to start with an ungated route. Returns the counts when complete.
 */
export function checkRouteTable(routes: readonly RouteDeclaration[]): { gated: number; public: number } {
  const offenders: RouteOffender[] = [];
  const names = new Set<string>();
  let gated = 0;
  let open = 0;
  routes.forEach((route, index) => {
    const name = typeof route?.name === 'string' && route.name.length > 0 ? route.name : `(route #${index})`;
    const hasGate = isGate(route?.gate);
    const isPublic = route?.public === true;
    const repeated = names.has(name);
    names.add(name);
    if (repeated) offenders.push({ name, problem: 'duplicate' });
    else if (hasGate && isPublic) offenders.push({ name, problem: 'gated_and_public' });
    else if (!hasGate && !isPublic) offenders.push({ name, problem: 'ungated' });
    else if (hasGate) gated++;
    else open++;
  });
  if (offenders.length > 0) throw new RouteTableError(offenders);
  return { gated, public: open };
}

function isGate(value: unknown): value is RouteGate {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    (value as { kind: string }).kind.length > 0
  );
}

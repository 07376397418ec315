/**
 * Measurement helpers: bounded timed loops, medians, and the figure every section reports.
 *
 * Every loop stops at whichever comes first, its time budget or its operation cap, so a
 * slow machine makes the bench shorter, never endless.
 *
 * @module @fedtrust/bench/measure
 */

/** How a figure is judged against the target. */
export interface Target {
  /** `ratio`: the median ratio; `value`: the fedtrust figure itself. */
  on: 'ratio' | 'value';
  op: '>=' | '<=' | '==';
  value: number;
  /** How the target reads in the table, e.g. `≥ 100×`. */
  label: string;
}

/** One round: the fedtrust figure and the baseline measured right next to it. */
export interface Round {
  value: number;
  baseline: number | null;
  ratio: number | null;
}

/** One line of the results table. */
export interface Figure {
  id: string;
  title: string;
  unit: string;
  /** Median over rounds of the fedtrust figure. */
  value: number;
  baselineTitle: string | null;
  /** Median over rounds of the baseline. */
  baseline: number | null;
  /** Median over rounds of the per-round ratio `value / baseline` (as `ratioMeaning` says). */
  ratio: number | null;
  ratioMeaning: string | null;
  target: Target | null;
  /** `null` when the figure has no target (reported for information). */
  pass: boolean | null;
  rounds: Round[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function judge(target: Target | null, value: number, ratio: number | null): boolean | null {
  if (target === null) return null;
  const measured = target.on === 'ratio' ? ratio : value;
  if (measured === null || !Number.isFinite(measured)) return false;
  if (target.op === '>=') return measured >= target.value;
  if (target.op === '<=') return measured <= target.value;
  return measured === target.value;
}

/** Builds a figure from its rounds: medians of values, baselines and per-round ratios. */
export function figure(spec: {
  id: string;
  title: string;
  unit: string;
  rounds: Round[];
  baselineTitle?: string;
  ratioMeaning?: string;
  target?: Target;
  notes?: string[];
}): Figure {
  const ratios = spec.rounds.map((r) => r.ratio).filter((r): r is number => r !== null);
  const baselines = spec.rounds.map((r) => r.baseline).filter((b): b is number => b !== null);
  const value = median(spec.rounds.map((r) => r.value));
  const ratio = ratios.length === 0 ? null : median(ratios);
  const target = spec.target ?? null;
  return {
    id: spec.id,
    title: spec.title,
    unit: spec.unit,
    value,
    baselineTitle: spec.baselineTitle ?? null,
    baseline: baselines.length === 0 ? null : median(baselines),
    ratio,
    ratioMeaning: spec.ratioMeaning ?? null,
    target,
    pass: judge(target, value, ratio),
    rounds: spec.rounds,
    notes: spec.notes ?? [],
  };
}

/** Operations per second of `op` run back to back (awaited when it returns a promise). */
export async function sequentialRate(
  op: () => unknown,
  budget: { ms: number; maxOps: number },
): Promise<number> {
  const started = performance.now();
  const deadline = started + budget.ms;
  let ops = 0;
  while (ops < budget.maxOps && performance.now() < deadline) {
    await op();
    ops += 1;
  }
  return ops / ((performance.now() - started) / 1000);
}

/**
 * Operations per second with `concurrency` loops running `op` back to back. Counts only
 * operations that resolve `true`; the others are returned as failures.
 */
export async function concurrentRate(
  op: () => Promise<boolean>,
  options: { concurrency: number; ms: number; maxOps: number },
): Promise<{ perSecond: number; ok: number; failed: number }> {
  const started = performance.now();
  const deadline = started + options.ms;
  let issued = 0;
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (issued < options.maxOps && performance.now() < deadline) {
        issued += 1;
        if (await op()) ok += 1;
        else failed += 1;
      }
    }),
  );
  return { perSecond: ok / ((performance.now() - started) / 1000), ok, failed };
}

/** Milliseconds one call of `op` takes. */
export async function latencyMs(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await op();
  return performance.now() - started;
}

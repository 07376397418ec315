/**
 * Why the guard decided what it decided, stage by stage.
 *
 * @module @fedtrust/core/guard
 */
import { runPipeline, type TraceRecorder } from './run-pipeline.js';
import {
  type ExplainedStage,
  type Explanation,
  GUARD_STAGES,
  type GuardDeps,
  type GuardInput,
} from './types.js';

/**
 * Run the guard's own pipeline (not a second implementation) with a trace recorder and
 * return its decision with every stage: `pass`, `deny` (with the deciding clause — a JSON
 * pointer into the grant's scope such as `/excluded_resources/1`, or a field clause such as
 * `grant.status=revoked`), or `not_reached`. The decision always equals what `guard` returns
 * for the same input and store state. Like `guard`, it never rejects.
 */
export async function explainDecision(input: GuardInput, deps: GuardDeps): Promise<Explanation> {
  const recorded = new Map<string, ExplainedStage>();
  const recorder: TraceRecorder = {
    pass(stage, detail) {
      recorded.set(stage, { stage, outcome: 'pass', detail: text(detail) });
    },
    deny(stage, detail, clause) {
      recorded.set(stage, { stage, outcome: 'deny', detail: text(detail), clause: text(clause) });
    },
  };
  const decision = await runPipeline(input, deps, recorder);
  const stages = GUARD_STAGES.map(
    (stage): ExplainedStage =>
      recorded.get(stage) ?? {
        stage,
        outcome: 'not_reached',
        detail: decision.allow ? 'not reached' : `not reached: denied at ${decision.stage}`,
      },
  );
  return { decision, stages };
}

/** A detail the pipeline could not format (a corrupt record) is reported as such; the decision stands. */
function text(format: () => string): string {
  try {
    return format();
  } catch (error) {
    return `(could not format: ${error instanceof Error ? error.message : String(error)})`;
  }
}

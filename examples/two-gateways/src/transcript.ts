/**
 * The demo's output: a readable transcript with a progress line per step, or the same
 * records as JSON lines (`--json`). Each step reports the checks it made on its own
 * outcome; a step passes only when every check holds.
 *
 * @module @fedtrust/example-two-gateways/transcript
 */

/** One thing a step verified about what actually happened. */
export interface Check {
  check: string;
  ok: boolean;
  /** What was observed, when the check failed or the value is worth showing. */
  actual?: unknown;
}

/** What a step hands back: a one-line summary, transcript lines, machine-readable data, its checks. */
export interface StepOutcome {
  summary: string;
  lines: string[];
  data: Record<string, unknown>;
  checks: Check[];
}

export interface StepRecord {
  type: 'step';
  index: number;
  total: number;
  id: string;
  title: string;
  ok: boolean;
  summary: string;
  lines: string[];
  checks: Check[];
  data: Record<string, unknown>;
  /** Set when the step threw instead of finishing. */
  error?: string;
  ms: number;
}

export interface SummaryRecord {
  type: 'summary';
  ok: boolean;
  store: string;
  ca: string;
  passed: number;
  failed: number;
  notRun: string[];
  ms: number;
}

/** Collects a step's checks; `equal` compares JSON forms so arrays and objects compare by value. */
export class Checks {
  readonly list: Check[] = [];

  that(check: string, ok: boolean, actual?: unknown): boolean {
    this.list.push(ok || actual === undefined ? { check, ok } : { check, ok, actual });
    return ok;
  }

  equal(check: string, actual: unknown, expected: unknown): boolean {
    const ok = JSON.stringify(actual) === JSON.stringify(expected);
    this.list.push(ok ? { check, ok } : { check, ok, actual });
    return ok;
  }
}

export type Write = (line: string) => void;

export class Transcript {
  constructor(
    private readonly json: boolean,
    private readonly write: Write,
  ) {}

  header(text: string, data: Record<string, unknown>): void {
    if (this.json) this.write(JSON.stringify({ type: 'start', ...data }));
    else this.write(text);
  }

  begin(index: number, total: number, title: string): void {
    if (!this.json) this.write(`\n[${index}/${total}] ${title}`);
  }

  step(record: StepRecord): void {
    if (this.json) {
      this.write(JSON.stringify(record));
      return;
    }
    for (const line of record.lines) this.write(`      ${line}`);
    for (const check of record.checks) {
      const shown = check.ok ? '' : ` (got ${JSON.stringify(check.actual)})`;
      this.write(`      ${check.ok ? '✓' : '✗'} ${check.check}${shown}`);
    }
    if (record.error !== undefined) this.write(`      ✗ failed: ${record.error}`);
    this.write(`  ${record.ok ? 'PASS' : 'FAIL'} ${record.id}: ${record.summary} (${record.ms} ms)`);
  }

  summary(record: SummaryRecord): void {
    if (this.json) {
      this.write(JSON.stringify(record));
      return;
    }
    const skipped = record.notRun.length === 0 ? '' : `, not run: ${record.notRun.join(', ')}`;
    this.write(
      `\n${record.ok ? 'OK' : 'FAILED'}: ${record.passed} steps passed, ${record.failed} failed${skipped} ` +
        `(store ${record.store}, ca ${record.ca}, ${(record.ms / 1000).toFixed(1)} s)`,
    );
  }

  note(text: string): void {
    if (!this.json) this.write(text);
  }
}

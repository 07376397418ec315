import { describe, expect, it } from 'vitest';
import { main } from './run-demo.js';
import type { StepRecord, SummaryRecord } from './transcript.js';

async function runJson(argv: string[]) {
  const lines: string[] = [];
  const code = await main(argv, (line) => lines.push(line));
  const records = lines.map((line) => JSON.parse(line) as { type: string });
  const steps = new Map(
    records.filter((r): r is StepRecord => r.type === 'step').map((step) => [step.id, step] as const),
  );
  const summary = records.find((r): r is SummaryRecord => r.type === 'summary');
  return { code, lines, steps, summary };
}

describe('two-gateways demo', () => {
  it('runs the whole story on SQLite and ca-local over real mTLS, every step checking its own outcome, and exits 0', async () => {
    // runJson parses every line, so any non-JSON output in --json mode fails here.
    const { code, steps, summary } = await runJson(['--json']);

    const failing = [...steps.values()].filter((step) => !step.ok);
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(summary).toMatchObject({ ok: true, failed: 0, notRun: [], store: 'sqlite', ca: 'local' });
    expect([...steps.keys()]).toEqual([
      'start',
      'grant',
      'token',
      'enrol',
      'capabilities',
      'list',
      'denied',
      'fanout',
      'partial',
      'restart',
      'revoke',
      'audit',
    ]);
    for (const step of steps.values()) {
      expect(step.checks.length, step.id).toBeGreaterThan(0);
      expect(
        step.checks.filter((check) => !check.ok),
        step.id,
      ).toEqual([]);
      expect(step.ok, step.id).toBe(true);
    }
    expect(code).toBe(0);

    const grantId = steps.get('grant')?.data['grantId'];
    expect(steps.get('enrol')?.data).toMatchObject({
      identity: { grantId, subjectUserId: expect.any(String) },
      replayStatus: 410,
    });
    expect(steps.get('capabilities')?.data['capabilities']).toMatchObject({
      resources: ['tasks', 'notes'],
      excludedResources: ['payroll'],
      maxRowsPerQuery: 5,
    });
    const list = steps.get('list')?.data as {
      rows: { _source: string }[];
      truncated: boolean;
      visible: number;
    };
    expect(list.rows).toHaveLength(5);
    expect(list.truncated).toBe(true);
    expect(list.visible).toBeGreaterThan(5);
    expect(new Set(list.rows.map((row) => row._source))).toEqual(new Set(['work']));
    expect(steps.get('denied')?.data).toMatchObject({ status: 403, reason: 'resource_excluded' });
    expect(steps.get('fanout')?.data).toMatchObject({ bySource: { home: 3, work: 5 }, partial: false });
    expect(steps.get('partial')?.data).toMatchObject({
      bySource: { home: 3 },
      partial: true,
      errors: [{ source: 'work', reason: 'peer_unreachable' }],
    });
    expect(steps.get('revoke')?.data).toMatchObject({ status: 403, reason: 'grant_revoked' });
    const audit = steps.get('audit')?.data as {
      length: number;
      decisions: string[];
      tamperedBrokenAt: number;
    };
    expect(audit.decisions).toContain('list deny grant_revoked');
    expect(audit.decisions).toContain('list deny resource_excluded');
    expect(audit.length).toBe(audit.decisions.length);
    expect(audit.tamperedBrokenAt).toBe(audit.decisions.indexOf('list allow'));
  });

  it('refuses an unknown store with exit code 2 and starts nothing', async () => {
    const lines: string[] = [];
    expect(await main(['--store', 'mysql'], (line) => lines.push(line))).toBe(2);
    expect(lines.join('\n')).toContain('--store must be one of sqlite, pg');
  });
});

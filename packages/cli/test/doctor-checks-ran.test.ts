/**
 * Doctor never reports a check as fine that it did not run, and never changes what it
 * inspects: in-process through `runCli` (the code the binary runs) on a real seeded SQLite
 * store with the local CA.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/run-cli.js';
import { type DoctorJson, type Scenario, sqliteScenario } from './support/scenario.js';

const scenarios: Scenario[] = [];
async function scenario(): Promise<Scenario> {
  const s = await sqliteScenario();
  scenarios.push(s);
  return s;
}
afterAll(() => {
  for (const s of scenarios) s.ws.remove();
});

async function doctor(s: Scenario, args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['doctor', '--json', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { ...s.env, ...env },
    cwd: s.ws.dir,
  });
  const report = JSON.parse(stdout) as DoctorJson;
  return { code, stderr, report, check: (name: string) => report.checks.find((c) => c.name === name) };
}

describe('clock', () => {
  it('fails, not warns, when no time source was compared (nothing measured is offline, exit 1)', async () => {
    const s = await scenario();
    const result = await doctor(s, ['--check', 'clock']);
    expect(result.code).toBe(1);
    expect(result.report.ok).toBe(false);
    const clock = result.check('clock');
    expect(clock?.status).toBe('fail');
    expect(clock?.summary).toContain('no time source');
    expect(clock?.remediation).toContain('--peer-url');
  });
});

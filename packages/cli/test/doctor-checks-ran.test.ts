/**
 * Doctor never reports a check as fine that it did not run, and never changes what it
 * inspects: in-process through `runCli` (the code the binary runs) on a real seeded SQLite
 * store with the local CA.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/run-cli.js';
import { certificateValid, type DoctorJson, type Scenario, sqliteScenario } from './support/scenario.js';

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

function sealedIds(s: Scenario): string[] {
  const db = new Database(s.ws.path('fedtrust.db'), { readonly: true });
  try {
    return (db.prepare('SELECT id FROM sealed_records ORDER BY id').all() as { id: string }[]).map(
      (r) => r.id,
    );
  } finally {
    db.close();
  }
}

function deleteSealed(s: Scenario, where: string): void {
  const db = new Database(s.ws.path('fedtrust.db'));
  try {
    db.prepare(`DELETE FROM sealed_records WHERE ${where}`).run();
  } finally {
    db.close();
  }
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

describe('ca (local)', () => {
  it('fails when the intermediate record is gone, and writes no new CA key into the store it inspects', async () => {
    const s = await scenario();
    deleteSealed(s, "id = 'ca:fedtrust-local:intermediate'");
    const before = sealedIds(s);
    const result = await doctor(s, ['--check', 'ca']);
    expect(sealedIds(s)).toEqual(before);
    expect(result.code).toBe(1);
    const ca = result.check('ca');
    expect(ca?.status).toBe('fail');
    expect(ca?.summary).toContain('ca:fedtrust-local:intermediate');
  });

  it('fails when a root is pinned but the store holds no local CA keys (the next enrollment would mint another root)', async () => {
    const s = await scenario();
    deleteSealed(s, "id LIKE 'ca:%'");
    const result = await doctor(s, ['--check', 'ca']);
    expect(result.code).toBe(1);
    expect(result.check('ca')?.status).toBe('fail');
    expect(result.check('ca')?.remediation).toContain('--ca-root');
    expect(sealedIds(s).filter((id) => id.startsWith('ca:'))).toEqual([]);
  });

  it('fails when the store holds a local CA under another name, and checks that CA with --ca-name', async () => {
    const s = await scenario();
    const db = new Database(s.ws.path('fedtrust.db'));
    db.prepare("UPDATE sealed_records SET id = replace(id, 'ca:fedtrust-local:', 'ca:prod:')").run();
    db.close();
    const unnamed = await doctor(s, ['--check', 'ca'], { FEDTRUST_CA_ROOT: '' });
    expect(unnamed.code).toBe(1);
    expect(unnamed.check('ca')?.status).toBe('fail');
    expect(unnamed.check('ca')?.remediation).toContain('--ca-name prod');
    // The records are sealed with their id as associated data, so renamed ones do not open:
    // the named CA is looked at for real, and says so.
    const named = await doctor(s, ['--check', 'ca', '--ca-name', 'prod']);
    expect(named.code).toBe(1);
    expect(named.check('ca')?.summary).toContain('not reachable');
  });
});

describe('certs', () => {
  it('warns that the server certificate was not checked when no --server-cert is given, even with peers', async () => {
    const s = await scenario();
    const result = await doctor(s, ['--check', 'certs'], { FEDTRUST_SERVER_CERT: '' });
    expect(result.code).toBe(0);
    const certs = result.check('certs');
    expect(certs?.status).toBe('warn');
    expect(certs?.findings).toContainEqual(
      expect.objectContaining({ status: 'warn', subject: 'server certificate' }),
    );
    expect(certs?.remediation).toContain('--server-cert');
  });

  it('fails a server certificate that is not valid yet', async () => {
    const s = await scenario();
    const day = 86_400_000;
    const future = s.ws.write(
      'future.pem',
      await certificateValid(new Date(Date.now() + day), new Date(Date.now() + 30 * day)),
    );
    const result = await doctor(s, ['--check', 'certs', '--server-cert', future]);
    expect(result.code).toBe(1);
    expect(result.check('certs')?.findings).toContainEqual(
      expect.objectContaining({ status: 'fail', subject: 'server certificate' }),
    );
  });
});

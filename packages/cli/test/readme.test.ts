/**
 * The README's first example, run as written: each line of its `sh` block goes to bash, in a
 * fresh folder, with `fedtrust` on PATH as the built binary and the environment the earlier
 * lines exported. `<grant id>` is filled with the id `grant create` printed, as its reader
 * would. Any other placeholder, or any line exiting non-zero, fails the test.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstExample } from '../../../test-support/readme-example.js';
import { BIN, ensureBuilt } from './support/built-cli.js';
import { workspace } from './support/demo.js';

const ws = workspace();
afterAll(() => ws.remove());
beforeAll(async () => {
  await ensureBuilt();
}, 600_000);

interface LineResult {
  line: string;
  code: number;
  output: string;
}

/** Runs one README line in bash with `env`; returns its result and the environment after it. */
function runLine(
  line: string,
  env: Record<string, string>,
): Promise<LineResult & { env: Record<string, string> }> {
  const envFile = ws.path('.env.json');
  const script = `set -e\n${line}\nnode -e 'process.stdout.write(JSON.stringify(process.env))' > ${envFile}`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd: ws.dir, env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      const after = code === 0 ? (JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>) : env;
      resolve({ line, code, output: `${stdout}${stderr}`, env: after });
    });
  });
}

describe('README', () => {
  it('the first sh example runs line by line: migrate, grant, one-time token, doctor without a failure', async () => {
    const { lang, code } = firstExample(new URL('../README.md', import.meta.url));
    expect(lang).toBe('sh');
    const shims = join(ws.dir, 'bin');
    mkdirSync(shims);
    writeFileSync(join(shims, 'fedtrust'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(shims, 'fedtrust'), 0o755);
    // Nothing from the developer's environment (FEDTRUST_* above all) reaches the example.
    let env: Record<string, string> = {
      PATH: `${shims}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: process.env['HOME'] ?? ws.dir,
    };
    const results: LineResult[] = [];
    for (const raw of code.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))) {
      const grantId = results.map((r) => /^Created grant (\S+) /m.exec(r.output)?.[1]).find(Boolean);
      const line = raw.replaceAll('<grant id>', grantId ?? '<grant id>');
      expect(line, 'every placeholder in the example can be filled from earlier output').not.toMatch(
        /<[^>]+>/,
      );
      const result = await runLine(line, env);
      expect(result.code, `${line}\n${result.output}`).toBe(0);
      results.push(result);
      env = result.env;
    }

    const output = (command: string) =>
      results.find((r) => r.line.startsWith(`fedtrust ${command}`))?.output ?? '';
    expect(output('migrate')).toContain('Applied 1 migration(s).');
    const grantId = /^Created grant (\S+) \(pending\) for peer work-gateway /m.exec(
      output('grant create'),
    )?.[1];
    expect(grantId).toMatch(/^[0-9a-f-]{36}$/);
    const token = /^\s+(fte_\S+)$/m.exec(output('enroll-token issue'))?.[1];
    expect(token).toBeDefined();
    const doctor = output('doctor');
    expect(doctor).not.toContain('FAIL');
    expect(doctor.match(/^PASS +(\w+)/gm)?.map((l) => l.split(/ +/)[1])).toEqual([
      'store',
      'sealing',
      'audit',
    ]);

    // What the lines left behind, read from the SQLite file itself: the grant as scoped, and
    // the token stored only as its hash.
    const db = new Database(ws.path('fedtrust.db'), { readonly: true });
    try {
      const grant = db.prepare('SELECT status, scope FROM grants WHERE id = ?').get(grantId) as {
        status: string;
        scope: string;
      };
      expect(grant.status).toBe('pending');
      expect(JSON.parse(grant.scope)).toEqual({
        resources: ['notes'],
        excluded_resources: ['hr_records'],
        max_rows_per_query: 50,
      });
      const tokens = db.prepare('SELECT token_hash FROM enrollment_tokens WHERE grant_id = ?').all(grantId);
      expect(tokens).toEqual([
        {
          token_hash: createHash('sha256')
            .update(token as string)
            .digest('hex'),
        },
      ]);
      for (const file of readdirSync(ws.dir).filter((name) => name.startsWith('fedtrust.db'))) {
        expect(readFileSync(ws.path(file)).includes(token as string), file).toBe(false);
      }
    } finally {
      db.close();
    }
  });
});

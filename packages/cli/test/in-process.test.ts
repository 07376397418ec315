/**
 * The CLI's own parsing and composition, in-process through `runCli` (the code the binary
 * runs): store URLs, the host file, durations, the sessions snapshot of the pre-flip audit.
 */
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { admitProvider } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStoreUrl } from '../src/compose/open-store.js';
import { parseDuration } from '../src/compose/parse-duration.js';
import { runCli } from '../src/run-cli.js';
import { workspace } from './support/demo.js';

const ws = workspace();
afterAll(() => ws.remove());

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd: ws.dir,
  });
  return { code, stdout, stderr };
}

describe('store URLs', () => {
  it('resolves relative SQLite paths against the working directory and masks Postgres passwords', () => {
    expect(parseStoreUrl('sqlite:./a.db', '/srv/gw')).toEqual({
      kind: 'sqlite',
      path: '/srv/gw/a.db',
      display: 'sqlite:/srv/gw/a.db',
    });
    const pg = parseStoreUrl('postgres://app:s3cret@db:5432/gw?schema=tenant_a', '/');
    expect(pg).toMatchObject({
      kind: 'postgres',
      schema: 'tenant_a',
      connectionString: 'postgres://app:s3cret@db:5432/gw',
    });
    expect(pg.display).not.toContain('s3cret');
  });

  it('refuses unknown schemes and in-memory SQLite as bad usage, without echoing credentials', () => {
    expect(() => parseStoreUrl('mysql://root:hunter2@db/gw', '/')).toThrow(/unknown scheme/);
    try {
      parseStoreUrl('mysql://root:hunter2@db/gw', '/');
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
    expect(() => parseStoreUrl('sqlite::memory:', '/')).toThrow(/names no file/);
  });
});

describe('durations', () => {
  it('reads s, m, h, d, w and refuses anything else', () => {
    expect([
      parseDuration('90s', 'x'),
      parseDuration('15m', 'x'),
      parseDuration('24h', 'x'),
      parseDuration('30d', 'x'),
      parseDuration('2w', 'x'),
    ]).toEqual([90, 900, 86_400, 2_592_000, 1_209_600]);
    for (const bad of ['0m', '15', 'm', '1.5h', '-1d', '10y'])
      expect(() => parseDuration(bad, '--ttl')).toThrow(/--ttl/);
  });
});

describe('the host file', () => {
  it('rejects an unknown field, a bad resource name and an rbac rule with an unknown verb, as exit 2', async () => {
    const store = sqliteStore(ws.path('host.db'));
    await store.close();
    const scope = ws.write('scope.json', { resources: ['documents'], max_rows_per_query: 5 });
    const base = [
      'grant',
      'create',
      '--store',
      'sqlite:./host.db',
      '--peer',
      'p',
      '--scope',
      scope,
      '--tenant',
      't',
      '--subject',
      '3f6c1b9e-8d2a-4c1e-9b7a-2d4e6f8a0b1c',
    ];
    for (const [content, message] of [
      [{ resources: { documents: {} }, extra: true }, 'unknown field "extra"'],
      [{ resources: { 'bad name': {} } }, 'is not allowed'],
      [
        { resources: { documents: {} }, rbac: [{ subject: '*', verbs: ['delete'], resources: '*' }] },
        'unknown verb "delete"',
      ],
    ] as const) {
      const file = ws.write('host.json', content);
      const result = await run([...base, '--resources', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('host_file_invalid');
      expect(result.stderr).toContain(message);
    }
    const missing = await run([...base, '--resources', ws.path('nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('file_unreadable');
  });
});

describe('tokens preflip-audit --sessions', () => {
  it('lists a live quarantined duplicate from the registry snapshot as a blocker', async () => {
    const store = sqliteStore(ws.path('tokens.db'));
    const minted = await admitProvider(
      { providerId: 'p-1' },
      { store, clock: systemClock, random: systemRandom, requireProviderTokens: false },
    );
    if (minted.admit && minted.token !== undefined) {
      await admitProvider(
        { providerId: 'p-1', bearer: minted.token },
        { store, clock: systemClock, random: systemRandom, requireProviderTokens: false },
      );
    }
    await store.close();
    const sessions = ws.write('sessions.json', [
      {
        providerId: 'p-1',
        connectionId: 'c-1',
        authState: 'bearer_validated',
        capacity: 1,
        inFlight: 0,
        eligible: true,
      },
      {
        providerId: 'p-1',
        connectionId: 'c-2',
        authState: 'bearerless_duplicate',
        capacity: 1,
        inFlight: 0,
        eligible: false,
      },
    ]);
    const result = await run([
      'tokens',
      'preflip-audit',
      '--store',
      'sqlite:./tokens.db',
      '--sessions',
      sessions,
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      safe: false,
      checkedTokens: 1,
      checkedSessions: 2,
      blockers: [{ kind: 'session_bearerless_duplicate', providerId: 'p-1', connectionId: 'c-2' }],
    });
    const bad = await run([
      'tokens',
      'preflip-audit',
      '--store',
      'sqlite:./tokens.db',
      '--sessions',
      ws.write('bad.json', { not: 'an array' }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('sessions_file_invalid');
  });
});

describe('help', () => {
  it('prints help on --help with exit 0, and the usage on no arguments with exit 2', async () => {
    const help = await run(['doctor', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--clock-offset <seconds>');
    expect(help.stdout).toContain('With --json, prints one document');
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: fedtrust');
  });

  it('prints one JSON error document for a missing command under --json, as for any other bad usage', async () => {
    for (const args of [['--json'], ['grant', '--json'], ['audit', '--json']]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage: fedtrust');
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'usage' } });
    }
  });
});

/**
 * Acceptance: the built `fedtrust` binary against a real SQLite file — grants, peers,
 * enrollment tokens, provider tokens, audit, migrations and bad usage.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { admitProvider, type FederationStore } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, fedtrust } from './support/built-cli.js';
import {
  HOST_FILE,
  OTHER_SUBJECT,
  type SeededDemo,
  SUBJECT,
  sealKeyList,
  seedDemo,
  TENANT,
  workspace,
} from './support/demo.js';

const ws = workspace();
const keys = sealKeyList(['k1']);
const env = {
  FEDTRUST_STORE: 'sqlite:./fedtrust.db',
  FEDTRUST_SEAL_KEYS: keys.text,
  FEDTRUST_RESOURCES: ws.write('host.json', HOST_FILE),
};
const cli = (...args: string[]) => fedtrust(args, { cwd: ws.dir, env });
let demo: SeededDemo;

/** Runs `body` on an in-process store over the same file, as a second process would. */
async function withStore<T>(body: (store: FederationStore) => Promise<T>): Promise<T> {
  const store = sqliteStore(ws.path('fedtrust.db'));
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

/** One line on stderr, naming the code and a fix, and no stack frame. */
function expectOneLineError(stderr: string, code: string): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(code);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  await ensureBuilt();
  const migrated = await cli('migrate', '--json');
  expect(migrated.code).toBe(0);
  expect(migrated.json<{ appliedNow: { name: string }[] }>().appliedNow.map((m) => m.name)).toEqual([
    'initial',
  ]);
  demo = await withStore((store) => seedDemo(store, keys.text));
}, 600_000);

afterAll(() => ws.remove());

describe('migrate', () => {
  it('applies nothing the second time and reports the store up to date', async () => {
    const again = await cli('migrate');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to apply');
    const status = await cli('migrate', 'status', '--json');
    expect(status.code).toBe(0);
    const report = status.json<{
      status: { upToDate: boolean; applied: { version: number }[]; pending: unknown[] };
    }>();
    expect(report.status.upToDate).toBe(true);
    expect(report.status.applied.map((m) => m.version)).toEqual([1]);
    expect(report.status.pending).toEqual([]);
  });

  it('creates and migrates a new SQLite file, printing each migration applied', async () => {
    const result = await fedtrust(['migrate', '--store', 'sqlite:./other.db'], { cwd: ws.dir, env: {} });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/applied 0001_initial\s+sha256 [0-9a-f]{16}/);
  });

  it('refuses to use a store that was never migrated, naming `fedtrust migrate`', async () => {
    new Database(ws.path('blank.db')).close();
    const result = await fedtrust(['grant', 'list', '--store', 'sqlite:./blank.db'], {
      cwd: ws.dir,
      env: {},
    });
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, 'store_not_migrated');
    expect(result.stderr).toContain('fedtrust migrate');
  });
});

describe('grant', () => {
  it('creates a pending grant and its peer in the store, with the expiry asked for', async () => {
    const scope = ws.write('scope.json', { resources: ['documents'], max_rows_per_query: 50 });
    const before = Date.now();
    const result = await cli(
      'grant',
      'create',
      '--peer',
      'home-gateway',
      '--scope',
      scope,
      '--tenant',
      TENANT,
      '--subject',
      SUBJECT,
      '--expires',
      '30d',
      '--json',
    );
    expect(result.code).toBe(0);
    const { grant, peer, tenantChecked } = result.json<{
      grant: {
        id: string;
        status: string;
        effectiveStatus: string;
        expiresAt: string;
        scope: unknown;
        peerName: string;
      };
      peer: { id: string; status: string };
      tenantChecked: boolean;
    }>();
    expect(grant).toMatchObject({ status: 'pending', effectiveStatus: 'pending', peerName: 'home-gateway' });
    expect(peer.status).toBe('pending');
    expect(tenantChecked).toBe(true);
    expect(grant.scope).toEqual({ resources: ['documents'], max_rows_per_query: 50 });
    const expires = Date.parse(grant.expiresAt) - before;
    expect(expires).toBeGreaterThan(30 * 86_400_000 - 60_000);
    expect(expires).toBeLessThan(30 * 86_400_000 + 60_000);
    const stored = await withStore(async (store) => [
      await store.getGrant(grant.id),
      await store.getPeer(peer.id),
    ]);
    expect(stored[0]).toMatchObject({
      id: grant.id,
      status: 'pending',
      tenantId: TENANT,
      subjectUserId: SUBJECT,
    });
    expect(stored[1]).toMatchObject({ id: peer.id, name: 'home-gateway', status: 'pending' });
  });

  it('refuses a subject the host directory does not place in the tenant, writing nothing', async () => {
    const scope = ws.write('scope-2.json', { resources: ['notes'], max_rows_per_query: 5 });
    const count = async () => withStore(async (store) => (await store.listGrants()).length);
    const before = await count();
    const stranger = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const result = await cli(
      'grant',
      'create',
      '--peer',
      'x',
      '--scope',
      scope,
      '--tenant',
      TENANT,
      '--subject',
      stranger,
    );
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, 'subject_not_in_tenant');
    expect(await count()).toBe(before);
  });

  it('lists grants with their effective status and shows one with its bound certificate', async () => {
    const list = await cli('grant', 'list', '--json');
    expect(list.code).toBe(0);
    const grants = list.json<{ grants: { id: string; effectiveStatus: string; peerName: string }[] }>()
      .grants;
    expect(grants.find((g) => g.id === demo.enrolled.grant.id)).toMatchObject({
      effectiveStatus: 'active',
      peerName: 'work-gateway',
    });
    expect(grants.find((g) => g.id === demo.pending.grant.id)).toMatchObject({
      effectiveStatus: 'pending',
      peerName: 'lab-gateway',
    });

    const active = await cli('grant', 'list', '--status', 'active', '--json');
    expect(active.json<{ grants: { id: string }[] }>().grants.map((g) => g.id)).toEqual([
      demo.enrolled.grant.id,
    ]);

    const show = await cli('grant', 'show', demo.enrolled.grant.id, '--json');
    expect(show.code).toBe(0);
    const shown = show.json<{
      peer: { status: string };
      certificates: { serial: string; revokedAt: null }[];
    }>();
    expect(shown.peer.status).toBe('active');
    expect(shown.certificates.map((c) => c.serial)).toEqual([demo.enrolled.serial]);
    const text = await cli('grant', 'show', demo.enrolled.grant.id);
    expect(text.stdout).toContain(demo.enrolled.serial);
    expect(text.stdout).toContain('"excluded_resources"');
  });

  it('revokes a grant once; a second revocation is refused as an illegal transition', async () => {
    const { grant } = (
      await cli(
        'grant',
        'create',
        '--peer',
        'doomed',
        '--scope',
        ws.write('s3.json', { resources: ['notes'], max_rows_per_query: 5 }),
        '--tenant',
        TENANT,
        '--subject',
        OTHER_SUBJECT,
        '--json',
      )
    ).json<{ grant: { id: string } }>();
    const revoked = await cli('grant', 'revoke', grant.id, '--json');
    expect(revoked.code).toBe(0);
    expect(revoked.json<{ grant: { status: string; revokedAt: string } }>().grant.status).toBe('revoked');
    expect((await withStore((s) => s.getGrant(grant.id)))?.status).toBe('revoked');
    const again = await cli('grant', 'revoke', grant.id);
    expect(again.code).toBe(1);
    expectOneLineError(again.stderr, 'illegal_transition');
  });
});

describe('peer', () => {
  it('suspends, resumes and finally revokes a peer, each change visible in the store', async () => {
    const id = demo.enrolled.peer.id;
    const scratch = await withStore(async (store) => {
      const created = await (await import('@fedtrust/core')).createGrant(
        {
          tenantId: TENANT,
          peerName: 'scratch',
          subjectUserId: SUBJECT,
          scope: { resources: ['notes'], max_rows_per_query: 1 },
        },
        {
          store,
          clock: systemClock,
          random: systemRandom,
          directory: { userBelongsToTenant: async () => true },
          catalogue: (await import('@fedtrust/core')).defineResources(HOST_FILE.resources),
        },
      );
      await store.transitionPeer(created.peer.id, ['pending'], 'active', new Date());
      return created.peer.id;
    });
    expect(
      (await cli('peer', 'suspend', scratch, '--json')).json<{ peer: { status: string } }>().peer.status,
    ).toBe('suspended');
    const suspended = await cli('peer', 'list', '--status', 'suspended', '--json');
    expect(suspended.json<{ peers: { id: string }[] }>().peers.map((p) => p.id)).toEqual([scratch]);
    expect(
      (await cli('peer', 'resume', scratch, '--json')).json<{ peer: { status: string } }>().peer.status,
    ).toBe('active');
    const revoked = await cli('peer', 'revoke', scratch);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Revoked peer scratch');
    expect((await withStore((s) => s.getPeer(scratch)))?.status).toBe('revoked');
    expect((await withStore((s) => s.getPeer(id)))?.status).toBe('active');
    const resumeRevoked = await cli('peer', 'resume', scratch);
    expect(resumeRevoked.code).toBe(1);
    expectOneLineError(resumeRevoked.stderr, 'illegal_transition');
  });
});

describe('enroll-token issue', () => {
  it('prints the token once and stores only its SHA-256 hash and 8-character prefix', async () => {
    const result = await cli(
      'enroll-token',
      'issue',
      '--grant',
      demo.pending.grant.id,
      '--ttl',
      '10m',
      '--json',
    );
    expect(result.code).toBe(0);
    const issued = result.json<{
      token: string;
      prefix: string;
      expiresAt: string;
      createdAt: string;
      peerId: string;
    }>();
    expect(issued.token).toMatch(/^fte_[A-Za-z0-9_-]{43}$/);
    expect(issued.prefix).toBe(issued.token.slice(0, 8));
    expect(issued.peerId).toBe(demo.pending.peer.id);
    expect(Date.parse(issued.expiresAt) - Date.parse(issued.createdAt)).toBe(600_000);
    const db = new Database(ws.path('fedtrust.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM enrollment_tokens').all() as Record<string, unknown>[];
      const hash = createHash('sha256').update(issued.token).digest('hex');
      expect(rows.filter((r) => Object.values(r).includes(hash))).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(issued.token);
    } finally {
      db.close();
    }
    const text = await cli('enroll-token', 'issue', '--grant', demo.pending.grant.id);
    expect(text.stdout).toMatch(/^\s+fte_/m);
    expect(text.stdout).toContain('shown only this once');
  });

  it('refuses a grant that is no longer pending', async () => {
    const result = await cli('enroll-token', 'issue', '--grant', demo.enrolled.grant.id);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, 'enrollment_grant_not_pending');
  });
});

describe('tokens', () => {
  it('lists provider tokens by prefix, and the pre-flip audit blocks on a never-used token until it is revoked', async () => {
    const list = await cli('tokens', 'list', '--provider', 'provider-1', '--json');
    const [used] = list.json<{
      tokens: { providerId: string; status: string; lastUsedAt: string | null; prefix: string }[];
    }>().tokens;
    expect(used).toMatchObject({ providerId: 'provider-1', status: 'active' });
    expect(used?.lastUsedAt).not.toBeNull();
    expect(used?.prefix).toMatch(/^ftp_.{4}$/);

    expect((await cli('tokens', 'preflip-audit')).code).toBe(0);

    await withStore((store) =>
      admitProvider(
        { providerId: 'provider-2' },
        { store, clock: systemClock, random: systemRandom, requireProviderTokens: false },
      ),
    );
    const blocked = await cli('tokens', 'preflip-audit', '--json');
    expect(blocked.code).toBe(1);
    const report = blocked.json<{
      safe: boolean;
      blockers: { kind: string; providerId: string; tokenId: string }[];
    }>();
    expect(report.safe).toBe(false);
    expect(report.blockers).toEqual([
      expect.objectContaining({ kind: 'token_never_used', providerId: 'provider-2' }),
    ]);
    const transcript = await cli('tokens', 'preflip-audit');
    expect(transcript.stdout).toContain('NOT safe');
    expect(transcript.stdout).toContain('provider-2');

    const revoked = await cli('tokens', 'revoke', report.blockers[0]?.tokenId as string, '--json');
    expect(revoked.code).toBe(0);
    expect(revoked.json<{ token: { status: string } }>().token.status).toBe('revoked');
    expect((await cli('tokens', 'preflip-audit')).code).toBe(0);
    const twice = await cli('tokens', 'revoke', report.blockers[0]?.tokenId as string);
    expect(twice.code).toBe(1);
    expectOneLineError(twice.stderr, 'provider_token_already_revoked');
  });
});

describe('audit', () => {
  it('verifies every chain and tails the last records oldest first', async () => {
    const verify = await cli('audit', 'verify', '--json');
    expect(verify.code).toBe(0);
    const { ok, chains } = verify.json<{
      ok: boolean;
      chains: { chainId: string; ok: boolean; length: number }[];
    }>();
    expect(ok).toBe(true);
    expect(chains.find((c) => c.chainId === 'federation')).toMatchObject({ ok: true, length: 3 });
    const tail = await cli('audit', 'tail', '--chain', 'federation', '-n', '2', '--json');
    expect(tail.json<{ records: { seq: number }[] }>().records.map((r) => r.seq)).toEqual([2, 3]);
  });

  it('exits 1 at the first broken link of a row altered with SQL, printing its position', async () => {
    await withStore(async (store) => {
      for (let i = 0; i < 4; i++) {
        await store.appendAudit('tampered', {
          time: new Date().toISOString(),
          grantId: null,
          subject: null,
          certSerial: null,
          verb: 'list',
          resource: 'documents',
          outcome: 'allow',
          reason: null,
          rowsOut: 3,
          bytesOut: 100,
        });
      }
    });
    const db = new Database(ws.path('fedtrust.db'));
    const changed = db
      .prepare(
        `UPDATE audit_events SET event = replace(event, '"rowsOut":3', '"rowsOut":0') WHERE chain_id = 'tampered' AND seq = 3`,
      )
      .run().changes;
    db.close();
    expect(changed).toBe(1);

    const result = await cli('audit', 'verify', '--chain', 'tampered', '--json');
    expect(result.code).toBe(1);
    expect(result.json<{ chains: unknown[] }>().chains).toEqual([
      expect.objectContaining({
        chainId: 'tampered',
        ok: false,
        brokenAt: { index: 2, seq: 3, reason: 'hash_mismatch' },
      }),
    ]);
    const text = await cli('audit', 'verify', '--chain', 'tampered');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('BROKEN at position 3');
    expect((await cli('audit', 'verify', '--chain', 'federation')).code).toBe(0);
  });
});

describe('output to a reader that stops early', () => {
  it('ends the run with its own exit code and no stack trace when the pipe closes (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'audit', 'tail', '-n', '50'], {
      cwd: ws.dir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the binary has started, so every write it makes meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});

describe('bad usage', () => {
  it('an unknown flag exits 2 with one line naming it and the help to read', async () => {
    const result = await cli('grant', 'list', '--bogus');
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, "unknown option '--bogus'");
    expect(result.stderr).toContain('fedtrust grant list --help');
  });

  it('an unknown command exits 2', async () => {
    const result = await cli('frobnicate');
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, 'frobnicate');
  });

  it('a missing mandatory flag exits 2', async () => {
    const result = await cli('grant', 'create', '--peer', 'x');
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, '--scope');
  });

  it('a scope file that is not JSON exits 2 with the file and the parser complaint', async () => {
    const scope = ws.write('broken.json', '{ "resources": [');
    const result = await cli(
      'grant',
      'create',
      '--peer',
      'x',
      '--scope',
      scope,
      '--tenant',
      TENANT,
      '--subject',
      SUBJECT,
    );
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, 'file_not_json');
    expect(result.stderr).toContain('broken.json');
  });

  it('a scope naming a resource outside the catalogue exits 2 with the JSON pointer of each issue', async () => {
    const scope = ws.write('unknown.json', { resources: ['documents', 'payroll'], max_rows_per_query: 0 });
    const result = await cli(
      'grant',
      'create',
      '--peer',
      'x',
      '--scope',
      scope,
      '--tenant',
      TENANT,
      '--subject',
      SUBJECT,
      '--json',
    );
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, 'scope_invalid');
    expect(result.stderr).toContain('/resources/1');
    expect(result.stderr).toContain('/max_rows_per_query');
    const { error } = result.json<{
      error: { code: string; remediation: string; details: { issues: unknown[] } };
    }>();
    expect(error.code).toBe('scope_invalid');
    expect(error.details.issues).toHaveLength(2);
    expect(error.remediation).toMatch(/Fix each listed issue/);
  });

  it('an unknown grant id exits 2 with the remediation', async () => {
    for (const args of [
      ['grant', 'show', 'no-such-grant'],
      ['grant', 'revoke', 'no-such-grant'],
    ]) {
      const result = await cli(...args);
      expect(result.code).toBe(2);
      expectOneLineError(result.stderr, 'grant_not_found');
      expect(result.stderr).toContain('fedtrust grant list');
    }
  });

  it('no store configured exits 2 naming --store and FEDTRUST_STORE', async () => {
    const result = await fedtrust(['grant', 'list'], { cwd: ws.dir, env: {} });
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, 'store_missing');
    expect(result.stderr).toContain('FEDTRUST_STORE');
  });

  it('a malformed duration and an unknown doctor check exit 2', async () => {
    const ttl = await cli('enroll-token', 'issue', '--grant', demo.pending.grant.id, '--ttl', 'soon');
    expect(ttl.code).toBe(2);
    expectOneLineError(ttl.stderr, 'duration_invalid');
    const check = await cli('doctor', '--check', 'store,vibes');
    expect(check.code).toBe(2);
    expectOneLineError(check.stderr, 'doctor_check_unknown');
  });
});

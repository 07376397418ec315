/**
 * Acceptance: `fedtrust doctor` on a real SQLite store with the local CA. A healthy gateway
 * passes; each check is then made to fail by its real cause and shows its remediation.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { admitProvider } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/built-cli.js';
import {
  certificateValid,
  check,
  type DoctorJson,
  datePeer,
  type Scenario,
  sqliteScenario,
} from './support/scenario.js';

let peer: Awaited<ReturnType<typeof datePeer>>;
const scenarios: Scenario[] = [];
async function scenario(): Promise<Scenario> {
  const s = await sqliteScenario();
  scenarios.push(s);
  return s;
}

beforeAll(async () => {
  await ensureBuilt();
  peer = await datePeer();
}, 600_000);

afterAll(async () => {
  await peer.close();
  for (const s of scenarios) s.ws.remove();
});

describe('doctor on a healthy gateway', () => {
  it('exits 0 with --json: every check passes, tokens warns while requireProviderTokens is off', async () => {
    const s = await scenario();
    const result = await s.cli(['doctor', '--json', '--peer-url', peer.url]);
    expect(result.code).toBe(0);
    const report = result.json<DoctorJson>();
    expect(report.ok).toBe(true);
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status]))).toEqual({
      store: 'pass',
      sealing: 'pass',
      ca: 'pass',
      clock: 'pass',
      certs: 'pass',
      tokens: 'warn',
      audit: 'pass',
    });
    expect(check(result, 'tokens').remediation).toContain('requireProviderTokens');
    expect(check(result, 'certs').details['certificates']).toHaveLength(2);
    expect(check(result, 'audit').summary).toContain('3 record(s)');

    const flagged = await s.cli(['doctor', '--check', 'tokens', '--json'], {
      FEDTRUST_REQUIRE_PROVIDER_TOKENS: 'true',
    });
    expect(flagged.code).toBe(0);
    expect(check(flagged, 'tokens').status).toBe('pass');

    const text = await s.cli(['doctor', '--peer-url', peer.url]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^PASS {2}store/m);
    expect(text.stdout).toMatch(/^WARN {2}tokens/m);
    expect(text.stdout).toContain('doctor: all 7 check(s) passed (1 warning(s))');
  });
});

describe('each doctor check fails for its real cause, with its remediation', () => {
  it('store: a tampered migration file is checksum drift; a new file is a pending migration', async () => {
    const s = await scenario();
    const file = `${s.env['FEDTRUST_MIGRATIONS_DIR']}/0001_initial.sql`;
    appendFileSync(file, '\n-- edited after it was applied\n');
    const drift = await s.cli(['doctor', '--check', 'store', '--json']);
    expect(drift.code).toBe(1);
    const store = check(drift, 'store');
    expect(store.status).toBe('fail');
    expect(store.summary).toContain('checksum drift');
    expect(store.findings).toEqual([expect.objectContaining({ status: 'fail', subject: '0001_initial' })]);
    expect(store.remediation).toContain('Restore the shipped migration file');
    const text = await s.cli(['doctor', '--check', 'store']);
    expect(text.stdout).toMatch(/^FAIL {2}store/m);
    expect(text.stdout).toContain('fix: Restore the shipped migration file');
  });

  it('store: a migration the store has not applied is below the floor', async () => {
    const s = await scenario();
    writeFileSync(
      `${s.env['FEDTRUST_MIGRATIONS_DIR']}/0002_add_index.sql`,
      'CREATE INDEX grants_probe ON grants (tenant_id);\n',
    );
    const result = await s.cli(['doctor', '--check', 'store', '--json']);
    expect(result.code).toBe(1);
    const store = check(result, 'store');
    expect(store.findings).toContainEqual({ status: 'fail', subject: '0002_add_index', message: 'pending' });
    expect(store.remediation).toContain('fedtrust migrate');
    expect((await s.cli(['migrate'])).code).toBe(0);
    expect((await s.cli(['doctor', '--check', 'store'])).code).toBe(0);
  });

  it('sealing: a dropped key leaves records that do not open; an old key still held is counted', async () => {
    const s = await scenario();
    const other = `k2:${Buffer.alloc(32, 7).toString('base64')}`;
    const dropped = await s.cli(['doctor', '--check', 'sealing', '--json'], { FEDTRUST_SEAL_KEYS: other });
    expect(dropped.code).toBe(1);
    const sealing = check(dropped, 'sealing');
    const sealed = sealing.details['records'] as number;
    expect(sealed).toBeGreaterThan(0);
    expect(sealing.details['failed']).toBe(sealed);
    expect(sealing.findings.every((f) => f.status === 'fail' && f.message.includes('seal_key_unknown'))).toBe(
      true,
    );
    expect(sealing.remediation).toContain('Add the missing key id');
    expect(dropped.stdout).not.toContain(s.sealKeys.keys['k1']);

    const rotated = await s.cli(['doctor', '--check', 'sealing', '--json'], {
      FEDTRUST_SEAL_KEYS: `${other},${s.sealKeys.text}`,
    });
    expect(rotated.code).toBe(0);
    const during = check(rotated, 'sealing');
    expect(during.status).toBe('warn');
    expect(during.details['underOldKeys']).toEqual({ k1: sealed });

    const none = await s.cli(['doctor', '--check', 'sealing', '--json'], { FEDTRUST_SEAL_KEYS: '' });
    expect(none.code).toBe(1);
    expect(check(none, 'sealing').remediation).toContain('FEDTRUST_SEAL_KEYS');
  });

  it('ca: a pinned root that is not the CA root fails', async () => {
    const s = await scenario();
    const stranger = s.ws.write(
      'stranger.pem',
      await certificateValid(new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000)),
    );
    const result = await s.cli(['doctor', '--check', 'ca', '--json', '--ca-root', stranger]);
    expect(result.code).toBe(1);
    const ca = check(result, 'ca');
    expect(ca.findings).toContainEqual(expect.objectContaining({ status: 'fail', subject: 'root' }));
    expect(ca.remediation).toContain('Pin the root the CA actually serves');
  });

  it('clock: an injected skew beyond the threshold fails; so does an offline peer', async () => {
    const s = await scenario();
    const skewed = await s.cli(['doctor', '--check', 'clock', '--json', '--peer-url', peer.url], {
      FEDTRUST_CLOCK_OFFSET_SECONDS: '300',
    });
    expect(skewed.code).toBe(1);
    const clock = check(skewed, 'clock');
    expect(clock.findings[0]?.message).toMatch(/^(299|300|301) s behind this host/);
    expect(clock.remediation).toContain('NTP');
    const within = await s.cli([
      'doctor',
      '--check',
      'clock',
      '--json',
      '--peer-url',
      peer.url,
      '--clock-offset',
      '30',
    ]);
    expect(within.code).toBe(0);

    const offline = await s.cli([
      'doctor',
      '--check',
      'clock',
      '--json',
      '--peer-url',
      'http://127.0.0.1:9/',
    ]);
    expect(offline.code).toBe(1);
    expect(check(offline, 'clock').findings[0]?.message).toMatch(/^offline/);
    expect(check(offline, 'clock').remediation).toContain('unreachable source is a failure');
  });

  it('certs: an expired server certificate fails; one inside the last third of its lifetime warns', async () => {
    const s = await scenario();
    const day = 86_400_000;
    const expired = s.ws.write(
      'expired.pem',
      await certificateValid(new Date(Date.now() - 30 * day), new Date(Date.now() - day)),
    );
    const result = await s.cli(['doctor', '--check', 'certs', '--json', '--server-cert', expired]);
    expect(result.code).toBe(1);
    const certs = check(result, 'certs');
    expect(certs.findings).toContainEqual(
      expect.objectContaining({ status: 'fail', subject: 'server certificate' }),
    );
    expect(certs.summary).toContain('EXPIRED');
    expect(certs.remediation).toContain('Renew or reissue the expired certificate');

    const ageing = s.ws.write(
      'ageing.pem',
      await certificateValid(new Date(Date.now() - 25 * day), new Date(Date.now() + 5 * day)),
    );
    const warned = await s.cli(['doctor', '--check', 'certs', '--json', '--server-cert', ageing]);
    expect(warned.code).toBe(0);
    expect(check(warned, 'certs').status).toBe('warn');
    expect(check(warned, 'certs').findings[0]?.message).toMatch(/^4 day\(s\) left/);
  });

  it('tokens: with requireProviderTokens on, a never-used provider token fails the pre-flip audit', async () => {
    const s = await scenario();
    await s.withStore((store) =>
      admitProvider(
        { providerId: 'fresh-provider' },
        { store, clock: systemClock, random: systemRandom, requireProviderTokens: false },
      ),
    );
    const result = await s.cli(['doctor', '--check', 'tokens', '--json', '--require-provider-tokens']);
    expect(result.code).toBe(1);
    const tokens = check(result, 'tokens');
    expect(tokens.findings).toEqual([
      expect.objectContaining({
        status: 'fail',
        subject: 'provider fresh-provider',
        message: expect.stringContaining('token_never_used'),
      }),
    ]);
    expect(tokens.remediation).toContain('fedtrust tokens revoke');
  });

  it('audit: a row altered directly with SQL breaks its chain at that position', async () => {
    const s = await scenario();
    const db = new Database(s.ws.path('fedtrust.db'));
    db.prepare(
      `UPDATE audit_events SET event = replace(event, '"bytesOut":512', '"bytesOut":1') WHERE chain_id = 'federation' AND seq = 3`,
    ).run();
    db.close();
    const result = await s.cli(['doctor', '--check', 'audit', '--json']);
    expect(result.code).toBe(1);
    const audit = check(result, 'audit');
    expect(audit.summary).toContain('BROKEN at position 3');
    expect(audit.details['chains']).toEqual([
      expect.objectContaining({
        chainId: 'federation',
        ok: false,
        brokenAt: { index: 2, seq: 3, reason: 'hash_mismatch' },
      }),
    ]);
    expect(audit.remediation).toContain('restore it from a backup');
  });
});

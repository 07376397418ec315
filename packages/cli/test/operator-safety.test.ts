/**
 * What reaches the operator's terminal and what the operator is told, in-process through
 * `runCli`: strings a remote peer or provider chose never drive the terminal, secrets in a
 * store URL are never printed, a wrong input file or flag is bad usage rather than a verdict
 * about the peer, and an anchored `audit verify` detects a cut tail.
 */
import { admitProvider } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStoreUrl } from '../src/compose/open-store.js';
import { runCli } from '../src/run-cli.js';
import { SUBJECT } from './support/demo.js';
import { type Scenario, sqliteScenario } from './support/scenario.js';

const scenarios: Scenario[] = [];
async function scenario(): Promise<Scenario> {
  const s = await sqliteScenario();
  scenarios.push(s);
  return s;
}
afterAll(() => {
  for (const s of scenarios) s.ws.remove();
});

async function run(s: Scenario, args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { ...s.env, ...env },
    cwd: s.ws.dir,
  });
  return { code, stdout, stderr };
}

/** C0 and C1 controls other than newline, plus bidi overrides: what a terminal would act on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202eevil';

describe('transcripts never pass control characters through to the terminal', () => {
  it('audit tail shows a peer-chosen resource name escaped, while --json keeps it exactly', async () => {
    const s = await scenario();
    await s.withStore((store) =>
      store.appendAudit('federation', {
        time: new Date().toISOString(),
        grantId: s.demo.enrolled.grant.id,
        subject: SUBJECT,
        certSerial: s.demo.enrolled.serial,
        verb: 'list',
        resource: HOSTILE,
        outcome: 'deny',
        reason: 'resource_not_granted',
        rowsOut: 0,
        bytesOut: 0,
      }),
    );
    const text = await run(s, ['audit', 'tail', '-n', '1']);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(CONTROL);
    expect(text.stdout).toContain('\\x1b]0;owned\\x07');
    const json = await run(s, ['audit', 'tail', '-n', '1', '--json']);
    const records = (JSON.parse(json.stdout) as { records: { event: { resource: string } }[] }).records;
    expect(records.map((r) => r.event.resource)).toEqual([HOSTILE]);
  });

  it('tokens list and the doctor tokens check escape a provider-chosen provider id', async () => {
    const s = await scenario();
    await s.withStore((store) =>
      admitProvider(
        { providerId: `p${HOSTILE}` },
        { store, clock: systemClock, random: systemRandom, requireProviderTokens: false },
      ),
    );
    const list = await run(s, ['tokens', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(CONTROL);
    const preflip = await run(s, ['tokens', 'preflip-audit']);
    expect(preflip.code).toBe(1);
    expect(preflip.stdout).not.toMatch(CONTROL);
    const doctor = await run(s, ['doctor', '--check', 'tokens', '--require-provider-tokens']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).not.toMatch(CONTROL);
    expect(doctor.stdout).toContain('\\x1b');
  });
});

describe('store URLs', () => {
  it('mask a password given as a query parameter, as they mask one in the userinfo', () => {
    const location = parseStoreUrl(
      'postgres://app@db:5432/gw?password=s3cret&sslpassword=k3y&application_name=gw',
      '/',
    );
    expect(location.kind).toBe('postgres');
    expect(location.display).not.toContain('s3cret');
    expect(location.display).not.toContain('k3y');
    expect(location.display).toContain('application_name=gw');
    expect(location.kind === 'postgres' && location.connectionString).toContain('password=s3cret');
  });
});

describe('explain input', () => {
  it('refuses a file that is not a certificate as bad usage instead of blaming the peer', async () => {
    const s = await scenario();
    const notCert = s.ws.write('host-copy.json', { resources: { documents: {} } });
    const garbled = s.ws.write(
      'garbled.pem',
      '-----BEGIN CERTIFICATE-----\n!!!not base64 at all@@@\n-----END CERTIFICATE-----\n',
    );
    for (const file of [notCert, garbled]) {
      const result = await run(s, ['explain', '--cert', file, '--verb', 'list', '--resource', 'documents']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('certificate_invalid');
      expect(result.stdout).toBe('');
    }
  });

  it('refuses a malformed --arc as bad usage instead of reporting identity_malformed', async () => {
    const s = await scenario();
    const cert = s.ws.write('peer.pem', s.demo.enrolled.certificatePem);
    const result = await run(s, [
      'explain',
      '--cert',
      cert,
      '--verb',
      'list',
      '--resource',
      'documents',
      '--arc',
      'not-an-oid',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('identity_arc_invalid');
    const good = await run(s, ['explain', '--cert', cert, '--verb', 'list', '--resource', 'documents']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('ALLOW');
  });
});

describe('grant create with the host file tenants', () => {
  it('refuses a tenant named like an Object prototype member as not listed, not as a directory failure', async () => {
    const s = await scenario();
    const scope = s.ws.write('scope.json', { resources: ['documents'], max_rows_per_query: 5 });
    const result = await run(s, [
      'grant',
      'create',
      '--peer',
      'p',
      '--scope',
      scope,
      '--tenant',
      'constructor',
      '--subject',
      SUBJECT,
    ]);
    expect(result.stderr).toContain('subject_not_in_tenant');
    expect(result.stderr).not.toContain('directory_unavailable');
  });
});

describe('audit verify --anchor', () => {
  async function head(s: Scenario): Promise<{ seq: number; hash: string }> {
    const verify = await run(s, ['audit', 'verify', '--json']);
    const chain = (JSON.parse(verify.stdout) as { chains: { length: number; head: string }[] }).chains[0];
    return { seq: chain?.length ?? 0, hash: chain?.head ?? '' };
  }
  function deleteFrom(s: Scenario, seq: number): void {
    const db = new Database(s.ws.path('fedtrust.db'));
    db.prepare("DELETE FROM audit_events WHERE chain_id = 'federation' AND seq >= ?").run(seq);
    db.close();
  }

  it('detects a cut tail that verifies without it, with its position', async () => {
    const s = await scenario();
    const anchor = await head(s);
    expect(anchor.seq).toBe(3);
    const args = ['audit', 'verify', '--chain', 'federation', '--anchor', `${anchor.seq}:${anchor.hash}`];
    expect((await run(s, args)).code).toBe(0);
    deleteFrom(s, 3);
    expect((await run(s, ['audit', 'verify'])).code).toBe(0);
    const cut = await run(s, [...args, '--json']);
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.stdout)).toMatchObject({
      ok: false,
      chains: [{ chainId: 'federation', ok: false, brokenAt: { index: 2, seq: null, reason: 'truncated' } }],
    });
    const text = await run(s, args);
    expect(text.stdout).toContain('BROKEN at position 3');
    deleteFrom(s, 1);
    const gone = await run(s, [...args, '--json']);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({
      ok: false,
      chains: [{ brokenAt: { reason: 'truncated' } }],
    });
  });

  it('fails an anchor whose hash the chain does not carry, and refuses a malformed or chainless anchor as bad usage', async () => {
    const s = await scenario();
    const wrong = await run(s, [
      'audit',
      'verify',
      '--chain',
      'federation',
      '--anchor',
      `2:${'0'.repeat(64)}`,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('anchor_mismatch');
    const malformed = await run(s, ['audit', 'verify', '--chain', 'federation', '--anchor', '2:xyz']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('anchor');
    const chainless = await run(s, ['audit', 'verify', '--anchor', `2:${'0'.repeat(64)}`]);
    expect(chainless.code).toBe(2);
    expect(chainless.stderr).toContain('--chain');
  });
});

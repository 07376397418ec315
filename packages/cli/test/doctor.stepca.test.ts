/**
 * Acceptance: `fedtrust doctor --check ca,clock` against a real step-ca: healthy with the
 * fedtrust template; failing when the provisioner template lacks the fail guards (a probe
 * without the grant-id claim is issued), and when the CA is stopped.
 */
import { startStepCa } from '@fedtrust/ca-stepca/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, fedtrust } from './support/built-cli.js';
import { workspace } from './support/demo.js';
import { check } from './support/scenario.js';

const ws = workspace();
let ca: Awaited<ReturnType<typeof startStepCa>>;

beforeAll(async () => {
  const built = ensureBuilt();
  ca = await startStepCa({ provisioners: [{ name: 'fedtrust' }, { name: 'unguarded', template: null }] });
  ws.write('root.pem', ca.rootPem);
  for (const p of ca.provisioners) ws.write(`${p.name}.password`, `${p.password}\n`);
  await built;
}, 600_000);

afterAll(async () => {
  await ca?.stop();
  ws.remove();
});

function doctor(provisioner: string, extra: string[] = []) {
  return fedtrust(
    [
      'doctor',
      '--check',
      'ca,clock',
      '--json',
      '--ca',
      ca.url,
      '--ca-root',
      'root.pem',
      '--provisioner',
      provisioner,
      '--provisioner-password-file',
      `${provisioner}.password`,
      ...extra,
    ],
    { cwd: ws.dir },
  );
}

describe('doctor against a real step-ca', () => {
  it('passes: reachable, pinned root served, the template refuses a token without the grant-id claim, clock in sync', async () => {
    const result = await doctor('fedtrust');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const caCheck = check(result, 'ca');
    expect(caCheck.status).toBe('pass');
    expect(caCheck.details['servedFingerprint']).toBe(ca.rootFingerprint);
    expect(caCheck.findings).toContainEqual(
      expect.objectContaining({
        status: 'pass',
        subject: 'template',
        message: expect.stringContaining('fedtrust_grant_id_der'),
      }),
    );
    const clock = check(result, 'clock');
    expect(clock.status).toBe('pass');
    expect(clock.findings).toEqual([expect.objectContaining({ status: 'pass', subject: `ca ${ca.url}` })]);
  });

  it('fails when the provisioner template has no fail guard, so the probe without the claim was issued', async () => {
    const result = await doctor('unguarded');
    expect(result.code).toBe(1);
    const caCheck = check(result, 'ca');
    expect(caCheck.status).toBe('fail');
    expect(caCheck.findings).toContainEqual(
      expect.objectContaining({
        status: 'fail',
        subject: 'template',
        message: expect.stringContaining('ISSUED'),
      }),
    );
    expect(caCheck.remediation).toContain('templateFor(arc)');
  });

  it('fails with injected skew against the CA Date header', async () => {
    const result = await doctor('fedtrust', ['--clock-offset', '-120']);
    expect(result.code).toBe(1);
    const clock = check(result, 'clock');
    expect(clock.findings[0]?.message).toMatch(/^(119|120|121) s ahead of this host/);
    expect(clock.remediation).toContain('NTP');
  });

  it('fails once the CA is stopped: ca unreachable, and the clock check is offline, not passed', async () => {
    await ca.stop();
    const result = await doctor('fedtrust');
    expect(result.code).toBe(1);
    const caCheck = check(result, 'ca');
    expect(caCheck.status).toBe('fail');
    expect(caCheck.summary).toContain('not reachable');
    expect(caCheck.remediation).toContain('step-ca is running');
    const clock = check(result, 'clock');
    expect(clock.status).toBe('fail');
    expect(clock.findings[0]?.message).toMatch(/^offline/);
  });
});

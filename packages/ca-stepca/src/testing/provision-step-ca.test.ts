import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionStepCa, STEP_CA_BUILD_TIMEOUT_MS } from './start-step-ca.js';

const SCRIPT = fileURLToPath(new URL('../../../../scripts/provision-step-ca.sh', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'fedtrust-provision-'));

function script(env: Record<string, string>) {
  const { STEP_CA_BIN: _ignored, ...inherited } = process.env;
  return run(SCRIPT, { env: { ...inherited, ...env } });
}

let built: string;

beforeAll(async () => {
  built = await provisionStepCa();
}, STEP_CA_BUILD_TIMEOUT_MS);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/provision-step-ca.sh', () => {
  it('prints STEP_CA_BIN when it is an executable file', async () => {
    const fake = join(dir, 'step-ca-fake');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    const { stdout } = await script({ STEP_CA_BIN: fake });
    expect(stdout).toBe(`${fake}\n`);
  });

  it('fails when STEP_CA_BIN is not executable, rather than silently building', async () => {
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '');
    await expect(script({ STEP_CA_BIN: plain })).rejects.toMatchObject({ code: 1 });
  });

  it('prints a step-ca on PATH', async () => {
    const bin = join(dir, 'bin');
    rmSync(bin, { recursive: true, force: true });
    await run('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'step-ca'), '#!/bin/sh\n');
    chmodSync(join(bin, 'step-ca'), 0o755);
    const { stdout } = await script({ PATH: `${bin}:${process.env['PATH'] ?? ''}` });
    expect(stdout).toBe(`${join(bin, 'step-ca')}\n`);
  });

  it('returns the cached build on later runs: the same path, printed alone on stdout', async () => {
    const { stdout } = await script({});
    expect(stdout).toBe(`${built}\n`);
    const { stdout: help } = await run(built, ['--help']);
    expect(help).toContain('--password-file');
  });
});

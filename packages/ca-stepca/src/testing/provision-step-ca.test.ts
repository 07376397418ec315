import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionScript, provisionStepCa, STEP_CA_BUILD_TIMEOUT_MS } from './start-step-ca.js';

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

describe('scripts/provision-step-ca.sh never runs a cached binary someone else could have planted', () => {
  // The cache path is public (a hash of the wrapper source), so anyone who can write
  // under the cache root can put a "step-ca" there before us.
  const wrapper = /main_go='([\s\S]*?)'\n/.exec(readFileSync(SCRIPT, 'utf8'))?.[1] ?? '';
  const hash = createHash('sha256').update(wrapper).digest('hex').slice(0, 16);
  const NOBODY = 65_534;

  /** A cache root holding a planted "step-ca" that prints PWNED; `arrange` weakens one part. */
  function planted(arrange: (paths: { root: string; hashDir: string; binary: string }) => void) {
    const root = mkdtempSync(join(dir, 'cache-'));
    const hashDir = join(root, 'fedtrust', 'step-ca', hash);
    mkdirSync(hashDir, { recursive: true, mode: 0o755 });
    const binary = join(hashDir, 'step-ca');
    writeFileSync(binary, '#!/bin/sh\necho PWNED\n', { mode: 0o755 });
    arrange({ root, hashDir, binary });
    return root;
  }

  async function resolve(cacheRoot: string) {
    // PATH without step-ca, so resolution reaches the cache.
    return script({ XDG_CACHE_HOME: cacheRoot, PATH: '/usr/bin:/bin' }).then(
      ({ stdout }) => ({ code: 0, stdout, refused: false }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: error.stdout,
        refused: error.stderr.includes('refusing the cache'),
      }),
    );
  }

  it('the wrapper hash the test derives is the one the script uses', () => {
    expect(wrapper).toContain('commands.AppCommand.Action');
    expect(
      built.includes(`/fedtrust/step-ca/${hash}/step-ca`) || process.env['STEP_CA_BIN'] !== undefined,
    ).toBe(true);
  });

  it.runIf(process.getuid?.() === 0).each([
    ['a binary owned by another user', (p: { binary: string }) => chownSync(p.binary, NOBODY, NOBODY)],
    [
      'a cache folder owned by another user',
      (p: { root: string }) => chownSync(join(p.root, 'fedtrust'), NOBODY, NOBODY),
    ],
  ])('refuses %s', async (_label, weaken) => {
    expect(await resolve(planted(weaken))).toEqual({ code: 1, stdout: '', refused: true });
  });

  it.each([
    ['a world-writable binary', (p: { binary: string }) => chmodSync(p.binary, 0o777)],
    ['a group-writable cache folder', (p: { hashDir: string }) => chmodSync(p.hashDir, 0o775)],
    ['a world-writable cache root without the sticky bit', (p: { root: string }) => chmodSync(p.root, 0o777)],
  ])('refuses %s', async (_label, weaken) => {
    expect(await resolve(planted(weaken))).toEqual({ code: 1, stdout: '', refused: true });
  });

  it('uses a cached binary in a private cache, also below a sticky world-writable root like /tmp', async () => {
    for (const root of [planted(() => {}), planted((p) => chmodSync(p.root, 0o1777))]) {
      expect(await resolve(root)).toEqual({
        code: 0,
        stdout: `${join(root, 'fedtrust', 'step-ca', hash, 'step-ca')}\n`,
        refused: false,
      });
    }
  });
});

describe('provisionScript', () => {
  it('finds the repository script from src/testing and dist/testing', () => {
    expect(provisionScript(new URL('./start-step-ca.ts', import.meta.url).href)).toBe(SCRIPT);
    expect(provisionScript(new URL('../../dist/testing/index.js', import.meta.url).href)).toBe(SCRIPT);
  });

  it('ignores node_modules/scripts/provision-step-ca.sh when the package is installed from npm', () => {
    const project = mkdtempSync(join(dir, 'project-'));
    mkdirSync(join(project, 'node_modules', 'scripts'), { recursive: true });
    writeFileSync(
      join(project, 'node_modules', 'scripts', 'provision-step-ca.sh'),
      '#!/bin/sh\necho PWNED\n',
      {
        mode: 0o755,
      },
    );
    writeFileSync(join(project, 'node_modules', 'scripts', 'package.json'), '{"name":"scripts"}');
    const installed = join(project, 'node_modules', '@fedtrust', 'ca-stepca', 'dist', 'testing', 'index.js');
    expect(provisionScript(new URL(`file://${installed}`).href)).toBeNull();
  });
});

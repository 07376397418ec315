/**
 * The built `fedtrust` binary for acceptance tests: builds the CLI and the packages it
 * imports when their sources are newer than their `dist/` (once, across parallel test
 * files, under a lock), and runs the binary as a subprocess with a clean environment.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Build order: every package before the ones importing it. */
const PACKAGES = ['core', 'adapter-sqlite', 'adapter-pg', 'ca-local', 'ca-stepca', 'cli'] as const;
export const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const LOCK = join(tmpdir(), 'fedtrust-cli-test-build.lock');
const run = promisify(execFile);

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

function stale(pkg: string): boolean {
  const dir = join(ROOT, 'packages', pkg);
  const output = join(dir, 'dist', pkg === 'cli' ? 'bin.js' : 'index.js');
  if (!existsSync(output)) return true;
  const inputs = [join(dir, 'src'), join(dir, 'tsup.config.ts'), join(dir, 'package.json')];
  return Math.max(...inputs.filter(existsSync).map(newest)) > statSync(output).mtimeMs;
}

async function withLock<T>(body: () => Promise<T>): Promise<T> {
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A crashed run leaves the lock behind; a build never takes ten minutes.
      if (waited > 600_000) rmdirSync(LOCK);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await body();
  } finally {
    rmdirSync(LOCK);
  }
}

/** Builds every stale package the binary needs with the packages' own `npm run build`. */
export async function ensureBuilt(): Promise<void> {
  if (!PACKAGES.some(stale)) return;
  await withLock(async () => {
    for (const pkg of PACKAGES) {
      if (!stale(pkg)) continue;
      await run('npm', ['run', 'build', '-w', `packages/${pkg}`], { cwd: ROOT, maxBuffer: 1 << 24 });
    }
  });
}

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
  /** `stdout` parsed as the one JSON document `--json` promises. */
  json<T = Record<string, unknown>>(): T;
}

/**
 * Runs the built binary with `args` in `cwd`. The environment holds only PATH, HOME and
 * `env`, so a developer's own FEDTRUST_* variables never leak into a test.
 */
export async function fedtrust(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<BinResult> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({
          code,
          stdout,
          stderr,
          json<T>() {
            return JSON.parse(stdout) as T;
          },
        });
      },
    );
  });
}

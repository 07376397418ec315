/**
 * `startStepCa()`: a real step-ca on a free loopback port, for tests and demos.
 *
 * @module @fedtrust/ca-stepca/testing
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_IDENTITY_ARC } from '@fedtrust/core';
import { Agent, request } from 'undici';
import { templateFor } from '../template-for.js';
import { generatePki, generateProvisioner, type ProvisionerFault } from './generate-pki.js';

/** One JWK provisioner of the test CA. */
export interface TestProvisionerSpec {
  name: string;
  /** Default: 32 random bytes, hex. */
  password?: string;
  /** X.509 template; default `templateFor(arc)`. `null` leaves step-ca's default leaf template. */
  template?: string | null;
  /** step-ca claims, Go durations (`5m`, `24h`); default min 5m, max 24h, default 24h. */
  claims?: {
    minTLSCertDuration?: string;
    maxTLSCertDuration?: string;
    defaultTLSCertDuration?: string;
    disableRenewal?: boolean;
  };
  /** Publish a deliberately broken encrypted key (tests of the adapter's refusals). */
  fault?: ProvisionerFault;
}

export interface StartStepCaOptions {
  /** Identity arc for the default template. */
  arc?: string;
  /** Provisioners; the first is returned as `provisioner`. Default: one named `fedtrust`. */
  provisioners?: TestProvisionerSpec[];
  /** The step-ca binary; default `$STEP_CA_BIN`, else `scripts/provision-step-ca.sh`. */
  binary?: string;
  /** Milliseconds to wait for `/health` (default 30 000). */
  startTimeoutMs?: number;
}

export interface RunningStepCa {
  /** `https://127.0.0.1:<port>` */
  url: string;
  rootPem: string;
  /** Lower-case hex SHA-256 of the root's DER. */
  rootFingerprint: string;
  provisioner: { name: string; password: string };
  provisioners: { name: string; password: string }[];
  /** The folder holding ca.json, keys and the database; removed by `stop`. */
  dir: string;
  /** Kills the CA and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const SCRIPT = provisionScript(import.meta.url);
const running = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

/**
 * Provisions the binary, writes a fresh PKI, provisioners and ca.json to a temporary
 * folder, starts step-ca on a free 127.0.0.1 port and resolves once `/health` answers over
 * TLS pinned to the new root. The caller must `stop()` it; a process-exit hook kills any
 * CA still running and removes its folder.
 */
export async function startStepCa(options: StartStepCaOptions = {}): Promise<RunningStepCa> {
  const binary = executable(options.binary ?? (await provisionStepCa()));
  const arc = options.arc ?? DEFAULT_IDENTITY_ARC;
  const specs = options.provisioners ?? [{ name: 'fedtrust' }];
  if (specs.length === 0) throw new TypeError('startStepCa: at least one provisioner is required');
  const dir = mkdtempSync(join(tmpdir(), 'fedtrust-step-ca-'));
  try {
    const pki = await generatePki();
    const credentials = specs.map((spec) => ({
      name: spec.name,
      password: spec.password ?? randomBytes(32).toString('hex'),
    }));
    const provisioners = await Promise.all(
      specs.map(async (spec, i) => {
        const { key, encryptedKey } = await generateProvisioner(
          (credentials[i] as { password: string }).password,
          spec.fault,
        );
        const template = spec.template === undefined ? templateFor(arc) : spec.template;
        return {
          type: 'JWK',
          name: spec.name,
          key,
          encryptedKey,
          claims: {
            minTLSCertDuration: '5m',
            maxTLSCertDuration: '24h',
            defaultTLSCertDuration: '24h',
            ...spec.claims,
          },
          ...(template === null ? {} : { options: { x509: { template } } }),
        };
      }),
    );
    await Promise.all([
      writeFile(join(dir, 'root.crt'), pki.rootPem),
      writeFile(join(dir, 'intermediate.crt'), pki.intermediatePem),
      writeFile(join(dir, 'intermediate.key'), pki.intermediateKeyPem, { mode: 0o600 }),
      mkdir(join(dir, 'db')),
    ]);
    const rootFingerprint = createHash('sha256')
      .update(Buffer.from(pki.rootPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
      .digest('hex');
    // A port can be taken between probing and binding; retry a few times on that race only.
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      await writeFile(
        join(dir, 'ca.json'),
        JSON.stringify(
          {
            root: join(dir, 'root.crt'),
            crt: join(dir, 'intermediate.crt'),
            key: join(dir, 'intermediate.key'),
            address: `127.0.0.1:${port}`,
            dnsNames: ['127.0.0.1', 'localhost'],
            logger: { format: 'text' },
            // bbolt: revocation needs a persistence layer (the `db: null` SimpleDB cannot revoke).
            db: { type: 'bbolt', dataSource: join(dir, 'db', 'step-ca.db') },
            authority: { provisioners },
            tls: {
              cipherSuites: [
                'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
                'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
              ],
              minVersion: 1.2,
              maxVersion: 1.3,
              renegotiation: false,
            },
          },
          null,
          2,
        ),
      );
      const url = `https://127.0.0.1:${port}`;
      const child = spawn(binary, [join(dir, 'ca.json')], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
      const entry = { child, dir };
      running.add(entry);
      installExitHook();
      try {
        await waitHealthy(url, pki.rootPem, child, options.startTimeoutMs ?? 30_000);
      } catch (error) {
        await kill(child);
        running.delete(entry);
        if (attempt < 3 && /address already in use/.test(String((error as Error).message))) continue;
        throw error;
      }
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await kill(child);
        running.delete(entry);
        rmSync(dir, { recursive: true, force: true });
      };
      return {
        url,
        rootPem: pki.rootPem,
        rootFingerprint,
        provisioner: credentials[0] as { name: string; password: string },
        provisioners: credentials,
        dir,
        stop,
        [Symbol.asyncDispose]: stop,
      };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** How long (ms) the first build may take on a loaded machine; the timeout of the `beforeAll` that provisions. */
export const STEP_CA_BUILD_TIMEOUT_MS = 15 * 60_000;

/**
 * The path of a step-ca binary: `$STEP_CA_BIN`, a `step-ca` on PATH, or a cached build
 * (see `scripts/provision-step-ca.sh`). The first build takes about a minute, longer on a
 * busy machine: call this in a `beforeAll` with {@link STEP_CA_BUILD_TIMEOUT_MS} so a
 * suite's CA start stays within the ordinary hook timeout.
 */
export async function provisionStepCa(): Promise<string> {
  const fromEnv = process.env['STEP_CA_BIN'];
  if (fromEnv !== undefined && fromEnv !== '' && SCRIPT === null) return executable(fromEnv);
  if (SCRIPT === null) {
    throw new Error(
      'startStepCa: set STEP_CA_BIN to a step-ca binary (scripts/provision-step-ca.sh is not available)',
    );
  }
  // The first run compiles step-ca (about a minute); later runs hit the cache.
  const { stdout } = await promisify(execFile)(SCRIPT, {
    timeout: STEP_CA_BUILD_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  const path = stdout.trim().split('\n').pop() ?? '';
  if (path === '') throw new Error('startStepCa: provision-step-ca.sh printed no binary path');
  return executable(path);
}

/**
 * The fedtrust repository's `scripts/provision-step-ca.sh`, four folders above this module
 * (`packages/ca-stepca/{src,dist}/testing`), or `null`. Installed from npm, those four
 * folders lead to `node_modules/`, where any package named `scripts` could supply the
 * file: it is used only when the folder is the fedtrust monorepo root.
 */
export function provisionScript(moduleUrl: string): string | null {
  const root = new URL('../../../../', moduleUrl);
  try {
    const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { name?: unknown };
    if (manifest.name !== 'fedtrust-monorepo') return null;
  } catch {
    return null;
  }
  const script = fileURLToPath(new URL('scripts/provision-step-ca.sh', root));
  return existsSync(script) ? script : null;
}

/** `path` when it is a regular file this process may execute; a clear error otherwise (not a spawn crash). */
function executable(path: string): string {
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new Error(`startStepCa: ${path} is not an executable file (set STEP_CA_BIN to a step-ca binary)`, {
      cause: error,
    });
  }
  return path;
}

async function waitHealthy(
  url: string,
  rootPem: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  let output = '';
  // Keep only startup output, bounded; once healthy the pipes are drained and dropped
  // (request logs carry one-time tokens).
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8192);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: string | null = null;
  const onExit = (code: number | null, signal: string | null) => {
    exited = `exited with ${code ?? signal}`;
  };
  child.once('exit', onExit);
  // Without a listener a failed spawn (ENOENT, EACCES) is an uncaught exception.
  child.on('error', (error) => {
    exited ??= `could not be started (${(error as NodeJS.ErrnoException).code ?? error.message})`;
  });
  const dispatcher = new Agent({ connect: { ca: rootPem } });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited !== null) throw new Error(`step-ca ${exited} before becoming healthy:\n${output}`);
      try {
        const response = await request(`${url}/health`, { dispatcher, signal: AbortSignal.timeout(2_000) });
        const body = (await response.body.json()) as { status?: string };
        if (response.statusCode === 200 && body.status === 'ok') return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline)
        throw new Error(`step-ca did not become healthy within ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    child.off('exit', onExit);
    child.stdout?.off('data', collect).resume();
    child.stderr?.off('data', collect).resume();
    await dispatcher.close();
  }
}

async function kill(child: ChildProcess): Promise<void> {
  // A child that never spawned has no pid and emits no 'exit'.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { child, dir } of running) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  provisionStepCa,
  type RunningStepCa,
  STEP_CA_BUILD_TIMEOUT_MS,
  startStepCa,
} from './start-step-ca.js';

let ca: RunningStepCa;

// The first run compiles step-ca; keep that out of the CA start's hook timeout.
beforeAll(async () => {
  await provisionStepCa();
}, STEP_CA_BUILD_TIMEOUT_MS);

beforeAll(async () => {
  ca = await startStepCa({ provisioners: [{ name: 'alpha', password: 'alpha-password' }, { name: 'beta' }] });
});
afterAll(async () => {
  await ca?.stop();
});

describe('startStepCa', () => {
  it('serves /health over TLS pinned to the generated root, on 127.0.0.1', async () => {
    expect(ca.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { ca: ca.rootPem } });
    try {
      const response = await request(`${ca.url}/health`, { dispatcher });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual({ status: 'ok' });
    } finally {
      await dispatcher.close();
    }
  });

  it('publishes each provisioner with an encrypted key and the fedtrust template; passwords are not on disk', async () => {
    expect(ca.provisioner).toEqual({ name: 'alpha', password: 'alpha-password' });
    expect(ca.provisioners.map((p) => p.name)).toEqual(['alpha', 'beta']);
    expect(ca.provisioners[1]?.password).toMatch(/^[0-9a-f]{64}$/);
    const config = JSON.parse(readFileSync(join(ca.dir, 'ca.json'), 'utf8'));
    const listed = config.authority.provisioners as {
      name: string;
      encryptedKey: string;
      options: { x509: { template: string } };
    }[];
    expect(listed.map((p) => p.encryptedKey.split('.').length)).toEqual([5, 5]);
    expect(listed[0]?.options.x509.template).toContain('fedtrust_grant_id_der');
    const onDisk = readFileSync(join(ca.dir, 'ca.json'), 'utf8');
    for (const p of ca.provisioners) expect(onDisk).not.toContain(p.password);
  });

  it('stop kills step-ca and removes its folder, and may be called twice', async () => {
    const second = await startStepCa();
    const dir = second.dir;
    expect(existsSync(join(dir, 'ca.json'))).toBe(true);
    await second.stop();
    await second.stop();
    expect(existsSync(dir)).toBe(false);
    const dispatcher = new Agent({ connect: { ca: second.rootPem } });
    try {
      await expect(request(`${second.url}/health`, { dispatcher })).rejects.toThrow();
    } finally {
      await dispatcher.close();
    }
  });
});

describe('startStepCa with a binary that cannot run', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'fedtrust-bin-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs `start` with TMPDIR pointed at a private folder, and lists what it left there. */
  async function inPrivateTmp(start: () => Promise<unknown>): Promise<{ error: unknown; left: string[] }> {
    const privateTmp = mkdtempSync(join(tmpdir(), 'fedtrust-start-test-'));
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = privateTmp;
    try {
      const error = await start().then(
        () => null,
        (e: unknown) => e,
      );
      return { error, left: readdirSync(privateTmp) };
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
      rmSync(privateTmp, { recursive: true, force: true });
    }
  }

  it.each([
    ['a missing file', () => '/nonexistent/fedtrust/step-ca'],
    [
      'a file without the execute bit',
      () => {
        const file = join(scratch, 'plain-file');
        writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
        return file;
      },
    ],
  ])('refuses %s before creating anything', async (_label, make) => {
    const binary = make();
    const { error, left } = await inPrivateTmp(() => startStepCa({ binary }));
    expect(String(error)).toMatch(/not an executable file/);
    expect(left).toEqual([]);
  });

  it('an executable that fails to spawn rejects at once and leaves no folder (no uncaught spawn error)', async () => {
    const binary = join(scratch, 'bad-interpreter');
    // execve fails with ENOENT: the interpreter does not exist.
    writeFileSync(binary, '#!/nonexistent/fedtrust-interpreter\n');
    chmodSync(binary, 0o755);
    const { error, left } = await inPrivateTmp(() => startStepCa({ binary, startTimeoutMs: 60_000 }));
    expect(String(error)).toMatch(/could not be started.*ENOENT/s);
    expect(left).toEqual([]);
  }, 20_000);
});

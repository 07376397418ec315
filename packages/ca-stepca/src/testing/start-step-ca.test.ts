import { existsSync, readFileSync } from 'node:fs';
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

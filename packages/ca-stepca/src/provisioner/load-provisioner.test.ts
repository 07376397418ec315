import { CompactEncrypt, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaConnection } from '../http/ca-request.js';
import { loadProvisioner } from './load-provisioner.js';

const URL_ = 'https://ca.test:9000';
const PASSWORD = 'correct horse battery staple';
let agent: MockAgent;
let connection: CaConnection;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  connection = { url: URL_, dispatcher: agent, clock: { now: () => new Date() }, timeoutMs: 5_000 };
});
afterEach(async () => {
  await agent.close();
});

/** Lists one JWK provisioner whose encrypted key holds `privateJwk` under the public key `publicJwk`. */
async function publish(publicJwk: JWK, privateJwk: JWK, alg: string) {
  const kid = await calculateJwkThumbprint(publicJwk);
  const encryptedKey = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: 1_000 })
    .encrypt(new TextEncoder().encode(PASSWORD));
  agent
    .get(URL_)
    .intercept({ path: /^\/1\.0\/provisioners/, method: 'GET' })
    .reply(
      200,
      JSON.stringify({
        provisioners: [
          { type: 'JWK', name: 'fedtrust', key: { ...publicJwk, kid, alg, use: 'sig' }, encryptedKey },
        ],
        nextCursor: '',
      }),
      { headers: { 'content-type': 'application/json' } },
    );
}

async function pair(alg: 'RS256' | 'ES256' | 'EdDSA') {
  const keys = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: await exportJWK(keys.publicKey), privateJwk: await exportJWK(keys.privateKey) };
}

describe('loadProvisioner', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'decrypts a %s provisioner key that matches its public key',
    async (alg) => {
      const { publicJwk, privateJwk } = await pair(alg);
      await publish(publicJwk, privateJwk, alg);
      const loaded = await loadProvisioner(connection, { name: 'fedtrust', password: PASSWORD });
      expect(loaded.alg).toBe(alg);
    },
  );

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'refuses a %s encrypted key that is not the private half of the published key (ca_bad_credentials)',
    async (alg) => {
      const published = await pair(alg);
      const foreign = await pair(alg);
      await publish(published.publicJwk, foreign.privateJwk, alg);
      await expect(
        loadProvisioner(connection, { name: 'fedtrust', password: PASSWORD }),
      ).rejects.toMatchObject({
        code: 'ca_bad_credentials',
        message: expect.stringContaining('not the private half'),
      });
    },
  );

  it('keeps the decrypted key non-extractable, whatever ext the encrypted JWK declares', async () => {
    const { publicJwk, privateJwk } = await pair('ES256');
    await publish(publicJwk, { ...privateJwk, ext: true }, 'ES256');
    const loaded = await loadProvisioner(connection, { name: 'fedtrust', password: PASSWORD });
    expect(loaded.privateKey.extractable).toBe(false);
  });
});

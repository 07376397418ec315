import { decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createToken, GRANT_ID_CLAIM, TOKEN_TTL_SECONDS } from './create-token.js';

const NOW = new Date('2026-03-01T12:00:00.700Z');
const FINGERPRINT = 'ab'.repeat(32);

async function signed(overrides: Partial<Parameters<typeof createToken>[0]> = {}) {
  const keys = await generateKeyPair('ES256');
  const kid = 'kid-1';
  const token = await createToken({
    provisioner: { name: 'fedtrust', kid, alg: 'ES256', privateKey: keys.privateKey },
    audience: 'https://ca.test:9000/1.0/sign',
    subject: 'work-gateway',
    sans: ['work-gateway'],
    now: NOW,
    jti: '0123456789abcdef0123456789abcdef',
    rootFingerprint: FINGERPRINT,
    claims: { [GRANT_ID_CLAIM]: 'DCQw' },
    ...overrides,
  });
  const { payload } = await jwtVerify(token, keys.publicKey, { currentDate: NOW });
  return { token, payload };
}

describe('createToken', () => {
  it('carries the claims step-ca checks: iss, sub, aud of the endpoint, sans, jti, sha = root fingerprint, kid header', async () => {
    const { token, payload } = await signed();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'kid-1', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: 'fedtrust',
      sub: 'work-gateway',
      aud: 'https://ca.test:9000/1.0/sign',
      sans: ['work-gateway'],
      jti: '0123456789abcdef0123456789abcdef',
      sha: FINGERPRINT,
      [GRANT_ID_CLAIM]: 'DCQw',
    });
  });

  it('is valid from now for five minutes only', async () => {
    const { payload } = await signed();
    const iat = Math.floor(NOW.getTime() / 1000);
    expect(TOKEN_TTL_SECONDS).toBe(300);
    expect(payload).toMatchObject({ iat, nbf: iat, exp: iat + 300 });
  });

  it('extra claims cannot replace the registered ones, the sans or the root fingerprint', async () => {
    const { payload } = await signed({
      claims: {
        iss: 'other',
        sub: 'admin',
        aud: 'https://evil.test/1.0/sign',
        exp: 4_102_444_800,
        nbf: 0,
        jti: 'fixed',
        sha: '00',
        sans: ['evil.test'],
      },
    });
    expect(payload).toMatchObject({
      iss: 'fedtrust',
      sub: 'work-gateway',
      aud: 'https://ca.test:9000/1.0/sign',
      jti: '0123456789abcdef0123456789abcdef',
      sha: FINGERPRINT,
      sans: ['work-gateway'],
      exp: Math.floor(NOW.getTime() / 1000) + 300,
    });
  });
});

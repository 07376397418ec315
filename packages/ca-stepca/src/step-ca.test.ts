import 'reflect-metadata';
import tls from 'node:tls';
import { CaError, encodeIdentity, readIdentity } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepCaError } from './errors.js';
import { caRequest, refusal } from './http/ca-request.js';
import { loadProvisioner } from './provisioner/load-provisioner.js';
import { type StepCa, stepCa } from './step-ca.js';
import { templateFor } from './template-for.js';
import { generatePki } from './testing/generate-pki.js';
import {
  provisionStepCa,
  type RunningStepCa,
  STEP_CA_BUILD_TIMEOUT_MS,
  startStepCa,
} from './testing/start-step-ca.js';
import { createToken, GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM } from './token/create-token.js';

const GRANT = '0b0c7f1e-6f0e-4d8a-9a3e-2f1c5d9b7a10';
const SUBJECT = '5d2a9c1b-3e4f-4a6b-8c7d-9e0f1a2b3c4d';
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

let ca: RunningStepCa;
let client: StepCa;
const extra: StepCa[] = [];

/** A stepCa against the running CA; closed in afterAll. */
function adapter(overrides: Partial<Parameters<typeof stepCa>[0]> = {}): StepCa {
  const instance = stepCa({ url: ca.url, root: ca.rootPem, provisioner: ca.provisioner, ...overrides });
  extra.push(instance);
  return instance;
}

async function csrFor(commonName: string) {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: SIGNING,
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

function credentials(name: string) {
  const found = ca.provisioners.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no provisioner ${name}`);
  return found;
}

/** The pinned connection the adapter uses, for sending hand-made tokens to the real CA. */
function rawConnection() {
  const dispatcher = new Agent({ connect: { ca: ca.rootPem } });
  return { url: ca.url, dispatcher, clock: { now: () => new Date() }, timeoutMs: 10_000 };
}

async function caught(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

// The first run compiles step-ca; keep that out of the CA start's hook timeout.
beforeAll(async () => {
  await provisionStepCa();
}, STEP_CA_BUILD_TIMEOUT_MS);

beforeAll(async () => {
  ca = await startStepCa({
    provisioners: [
      { name: 'fedtrust' },
      { name: 'tampered', fault: 'tampered-ciphertext' },
      { name: 'foreign', fault: 'foreign-key' },
      { name: 'bare', template: null },
      // The fedtrust template without its subject-user-id guard (line 2).
      { name: 'half-guarded', template: templateFor().split('\n').toSpliced(1, 1).join('\n') },
    ],
  });
  client = adapter();
});

afterAll(async () => {
  await Promise.all(extra.map((c) => c.close()));
  await ca?.stop();
});

describe('stepCa against a real step-ca', () => {
  it('issues a leaf that chains to the pinned root and carries both identity extensions', async () => {
    const { csrPem } = await csrFor('work-gateway');
    const issued = await client.issue({
      csrPem,
      commonName: 'work-gateway',
      grantId: GRANT,
      subjectUserId: SUBJECT,
    });
    const leaf = new x509.X509Certificate(issued.certificatePem);
    expect(readIdentity(new Uint8Array(leaf.rawData))).toEqual({ grantId: GRANT, subjectUserId: SUBJECT });
    expect(leaf.subjectName.getField('CN')).toEqual(['work-gateway']);
    expect(issued.chainPem).toHaveLength(1);
    expect(new x509.X509Certificate(issued.chainPem[0] as string).subject).toBe(
      'CN=fedtrust test intermediate, O=fedtrust',
    );
    // Canonical serial: lower-case hex of the DER INTEGER content without leading 0x00 sign bytes.
    expect(issued.serial).toMatch(/^([0-9a-f]{2})+$/);
    expect(issued.serial).not.toMatch(/^00/);
    expect(issued.serial).toBe(leaf.serialNumber.toLowerCase().replace(/^(00)+/, ''));
    expect(issued.notAfter.getTime() - issued.notBefore.getTime()).toBe(24 * 3600_000 + 60_000);
    const encoded = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });
    const ext = leaf.extensions.filter((e) => e.type === encoded.grantId.oid);
    expect(ext).toHaveLength(1);
    expect(Buffer.from(ext[0]?.value as ArrayBuffer).toString('base64')).toBe(encoded.grantId.base64);
  });

  it('honours a requested lifetime within the bounds', async () => {
    const { csrPem } = await csrFor('work-gateway');
    const issued = await client.issue({
      csrPem,
      commonName: 'work-gateway',
      grantId: GRANT,
      subjectUserId: SUBJECT,
      lifetimeSeconds: 600,
    });
    // step-ca backdates notBefore by one minute.
    expect(issued.notAfter.getTime() - issued.notBefore.getTime()).toBe(660_000);
  });

  it("without a requested lifetime, the host's own lifetime bounds still hold (defaultSeconds, else a maxSeconds below the CA default)", async () => {
    const { csrPem } = await csrFor('work-gateway');
    const request = { csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT };
    const capped = await adapter({ lifetime: { maxSeconds: 3600 } }).issue(request);
    expect(capped.notAfter.getTime() - capped.notBefore.getTime()).toBe(3600_000 + 60_000);
    const byDefault = await adapter({ lifetime: { defaultSeconds: 900 } }).issue(request);
    expect(byDefault.notAfter.getTime() - byDefault.notBefore.getTime()).toBe(900_000 + 60_000);
  });

  it('renews over mTLS: same key and identity, new serial', async () => {
    const { csrPem, privateKeyPem } = await csrFor('renew-me');
    const issued = await client.issue({
      csrPem,
      commonName: 'renew-me',
      grantId: GRANT,
      subjectUserId: SUBJECT,
      lifetimeSeconds: 600,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const renewed = await client.renew({ certificatePem: issued.certificatePem, privateKeyPem });
    const before = new x509.X509Certificate(issued.certificatePem);
    const after = new x509.X509Certificate(renewed.certificatePem);
    expect(renewed.serial).not.toBe(issued.serial);
    expect(readIdentity(new Uint8Array(after.rawData))).toEqual({ grantId: GRANT, subjectUserId: SUBJECT });
    expect(Buffer.from(after.publicKey.rawData).equals(Buffer.from(before.publicKey.rawData))).toBe(true);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(issued.notAfter.getTime());
  });

  it('revokes idempotently, and a revoked certificate cannot be renewed', async () => {
    const { csrPem, privateKeyPem } = await csrFor('revoke-me');
    const issued = await client.issue({
      csrPem,
      commonName: 'revoke-me',
      grantId: GRANT,
      subjectUserId: SUBJECT,
    });
    await client.revoke({ serial: issued.serial, reason: 'test' });
    await client.revoke({ serial: issued.serial });
    const error = await caught(client.renew({ certificatePem: issued.certificatePem, privateKeyPem }));
    expect(error).toBeInstanceOf(CaError);
    expect(error.code).toBe('ca_certificate_revoked');
  });

  it('refuses to renew with a key that is not the certificate key', async () => {
    const { csrPem } = await csrFor('key-mismatch');
    const issued = await client.issue({
      csrPem,
      commonName: 'key-mismatch',
      grantId: GRANT,
      subjectUserId: SUBJECT,
    });
    const other = await csrFor('key-mismatch');
    const error = await caught(
      client.renew({ certificatePem: issued.certificatePem, privateKeyPem: other.privateKeyPem }),
    );
    expect(error.code).toBe('ca_key_mismatch');
  });

  it('refuses to renew an expired certificate', async () => {
    const { csrPem, privateKeyPem } = await csrFor('expired');
    const issued = await client.issue({
      csrPem,
      commonName: 'expired',
      grantId: GRANT,
      subjectUserId: SUBJECT,
      lifetimeSeconds: 300,
    });
    const later = adapter({ clock: { now: () => new Date(Date.now() + 3600_000) } });
    const error = await caught(later.renew({ certificatePem: issued.certificatePem, privateKeyPem }));
    expect(error.code).toBe('ca_certificate_expired');
  });

  it('refuses to renew a certificate another CA issued (step-ca rejects it in the handshake)', async () => {
    const stranger = await generatePki();
    const strangerKey = await crypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(stranger.intermediateKeyPem),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const { privateKeyPem } = await csrFor('forged');
    const publicKey = await crypto.subtle.importKey(
      'spki',
      new Uint8Array(
        (await import('node:crypto')).createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }),
      ),
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    );
    const encoded = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });
    const forged = await x509.X509CertificateGenerator.create({
      subject: 'CN=forged',
      issuer: new x509.X509Certificate(stranger.intermediatePem).subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3600_000),
      publicKey,
      signingKey: strangerKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.Extension(encoded.grantId.oid, false, encoded.grantId.der),
        new x509.Extension(encoded.subjectUserId.oid, false, encoded.subjectUserId.der),
      ],
    });
    const error = await caught(client.renew({ certificatePem: forged.toString('pem'), privateKeyPem }));
    expect(error.code).toBe('ca_certificate_unknown');
  });

  it('lists the pinned root first and reports health', async () => {
    const roots = await client.roots();
    expect(roots).toHaveLength(1);
    expect(new x509.X509Certificate(roots[0] as string).equal(new x509.X509Certificate(ca.rootPem))).toBe(
      true,
    );
    expect(await client.health()).toEqual({ ok: true });
  });
});

describe('credentials', () => {
  it('a wrong provisioner password is ca_bad_credentials and the password appears nowhere in the error', async () => {
    const wrong = adapter({ provisioner: { name: 'fedtrust', password: 'not-the-password-0123456789' } });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      wrong.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error).toBeInstanceOf(StepCaError);
    expect(error.code).toBe('ca_bad_credentials');
    const serialised = JSON.stringify({ ...(error as StepCaError).toJSON(), stack: error.stack });
    expect(serialised).not.toContain('not-the-password');
    expect(serialised).not.toContain(ca.provisioner.password);
  });

  it('an unknown provisioner name is ca_bad_credentials', async () => {
    const unknown = adapter({ provisioner: { name: 'nobody', password: 'x' } });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      unknown.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_bad_credentials');
  });

  it('a tampered encrypted key fails to decrypt: ca_bad_credentials', async () => {
    const tampered = adapter({ provisioner: credentials('tampered') });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      tampered.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_bad_credentials');
    expect(error.message).toContain('cannot be decrypted');
  });

  it('an encrypted key that is not the published key is refused before any token is sent', async () => {
    const foreign = adapter({ provisioner: credentials('foreign') });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      foreign.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_bad_credentials');
    expect(error.message).toContain('not the private half');
  });

  it('the CA itself refuses a token signed by another key, which maps to ca_bad_credentials', async () => {
    const connection = rawConnection();
    try {
      const real = await loadProvisioner(connection, ca.provisioner);
      const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ]);
      const encoded = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });
      const ott = await createToken({
        provisioner: { ...real, privateKey },
        audience: `${ca.url}/1.0/sign`,
        subject: 'work-gateway',
        sans: ['work-gateway'],
        now: new Date(),
        jti: crypto.randomUUID(),
        rootFingerprint: ca.rootFingerprint,
        claims: {
          [GRANT_ID_CLAIM]: encoded.grantId.base64,
          [SUBJECT_USER_ID_CLAIM]: encoded.subjectUserId.base64,
        },
      });
      const { csrPem } = await csrFor('work-gateway');
      const response = await caRequest(connection, 'POST', '/1.0/sign', { json: { csr: csrPem, ott } });
      expect(response.status).toBe(401);
      expect((refusal(response, connection, 'sign') as StepCaError).code).toBe('ca_bad_credentials');
    } finally {
      await connection.dispatcher.close();
    }
  });
});

describe('clock skew and expired tokens', () => {
  it('a token already expired by the CA clock (our clock 10 minutes behind) is ca_clock_skew', async () => {
    const behind = adapter({ clock: { now: () => new Date(Date.now() - 10 * 60_000) } });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      behind.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_clock_skew');
    expect(error.details?.['skewSeconds']).toBeGreaterThan(500);
  });

  it('a token not yet valid by the CA clock (our clock 10 minutes ahead) is ca_clock_skew', async () => {
    const ahead = adapter({ clock: { now: () => new Date(Date.now() + 10 * 60_000) } });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      ahead.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_clock_skew');
    expect(error.details?.['skewSeconds']).toBeLessThan(-500);
  });
});

describe('requests the CA must refuse', () => {
  it('a CSR whose common name disagrees with the request is ca_csr_mismatch before anything is sent', async () => {
    const { csrPem } = await csrFor('someone-else');
    const error = await caught(
      client.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error).toBeInstanceOf(CaError);
    expect(error.code).toBe('ca_csr_mismatch');
  });

  it('step-ca itself refuses a CSR whose names disagree with the token, mapped to ca_csr_mismatch with its message', async () => {
    const connection = rawConnection();
    try {
      const provisioner = await loadProvisioner(connection, ca.provisioner);
      const encoded = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });
      const ott = await createToken({
        provisioner,
        audience: `${ca.url}/1.0/sign`,
        subject: 'work-gateway',
        sans: ['work-gateway'],
        now: new Date(),
        jti: crypto.randomUUID(),
        rootFingerprint: ca.rootFingerprint,
        claims: {
          [GRANT_ID_CLAIM]: encoded.grantId.base64,
          [SUBJECT_USER_ID_CLAIM]: encoded.subjectUserId.base64,
        },
      });
      const { csrPem } = await csrFor('someone-else');
      const response = await caRequest(connection, 'POST', '/1.0/sign', { json: { csr: csrPem, ott } });
      expect(response.status).toBe(403);
      const error = refusal(response, connection, 'sign') as CaError;
      expect(error.code).toBe('ca_csr_mismatch');
      expect(String(error.details?.['caMessage'])).toContain('common name');
    } finally {
      await connection.dispatcher.close();
    }
  });

  it.each([GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM])(
    'the template makes step-ca refuse a token without %s instead of issuing an empty extension',
    async (missing) => {
      const connection = rawConnection();
      try {
        const provisioner = await loadProvisioner(connection, ca.provisioner);
        const encoded = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });
        const claims: Record<string, string> = {
          [GRANT_ID_CLAIM]: encoded.grantId.base64,
          [SUBJECT_USER_ID_CLAIM]: encoded.subjectUserId.base64,
        };
        delete claims[missing];
        const ott = await createToken({
          provisioner,
          audience: `${ca.url}/1.0/sign`,
          subject: 'work-gateway',
          sans: ['work-gateway'],
          now: new Date(),
          jti: crypto.randomUUID(),
          rootFingerprint: ca.rootFingerprint,
          claims,
        });
        const { csrPem } = await csrFor('work-gateway');
        const response = await caRequest(connection, 'POST', '/1.0/sign', { json: { csr: csrPem, ott } });
        expect(response.status).toBe(400);
        expect((response.body as { crt?: unknown }).crt).toBeUndefined();
        const error = refusal(response, connection, 'sign') as StepCaError;
        expect(error.code).toBe('ca_policy_refused');
        expect(String(error.details?.['caMessage'])).toContain(`${missing} is missing`);
      } finally {
        await connection.dispatcher.close();
      }
    },
  );

  it.each([
    ['a string that is not base64', () => 'not base64!'],
    ['a number', () => 12345],
    [
      'base64 of a DER UTF8String that is not a UUID',
      () => Buffer.from('\x0c\x05admin', 'latin1').toString('base64'),
    ],
    ['base64 of arbitrary bytes', () => Buffer.alloc(38, 0x30).toString('base64')],
    [
      'base64 of an upper-case UUID',
      () => Buffer.from(`\x0c\x24${GRANT.toUpperCase()}`, 'latin1').toString('base64'),
    ],
    ['base64 of the UUID without its DER header', () => Buffer.from(GRANT).toString('base64')],
  ])('the template makes step-ca refuse a grant-id claim that is %s', async (_label, value) => {
    const connection = rawConnection();
    try {
      const provisioner = await loadProvisioner(connection, ca.provisioner);
      const encoded = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });
      const ott = await createToken({
        provisioner,
        audience: `${ca.url}/1.0/sign`,
        subject: 'work-gateway',
        sans: ['work-gateway'],
        now: new Date(),
        jti: crypto.randomUUID(),
        rootFingerprint: ca.rootFingerprint,
        claims: { [GRANT_ID_CLAIM]: value(), [SUBJECT_USER_ID_CLAIM]: encoded.subjectUserId.base64 },
      });
      const { csrPem } = await csrFor('work-gateway');
      const response = await caRequest(connection, 'POST', '/1.0/sign', { json: { csr: csrPem, ott } });
      expect(response.status).toBe(400);
      expect(String((response.body as { message?: unknown }).message)).toContain(
        `fedtrust: the token claim ${GRANT_ID_CLAIM}`,
      );
    } finally {
      await connection.dispatcher.close();
    }
  });

  it('a lifetime outside the provisioner bounds is ca_lifetime_out_of_bounds, locally and from step-ca', async () => {
    const { csrPem } = await csrFor('work-gateway');
    const local = await caught(
      client.issue({
        csrPem,
        commonName: 'work-gateway',
        grantId: GRANT,
        subjectUserId: SUBJECT,
        lifetimeSeconds: 60,
      }),
    );
    expect(local.code).toBe('ca_lifetime_out_of_bounds');
    // An adapter told wider bounds than the CA's sends the request; step-ca's refusal maps to the same code.
    const permissive = adapter({ lifetime: { minSeconds: 1, maxSeconds: 10 * 24 * 3600 } });
    const remote = await caught(
      permissive.issue({
        csrPem,
        commonName: 'work-gateway',
        grantId: GRANT,
        subjectUserId: SUBJECT,
        lifetimeSeconds: 2 * 24 * 3600,
      }),
    );
    expect(remote.code).toBe('ca_lifetime_out_of_bounds');
    expect(String(remote.details?.['caMessage'])).toContain('maximum certificate duration');
  });

  it('a CSR with a broken signature is ca_csr_invalid', async () => {
    const { csrPem } = await csrFor('work-gateway');
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 3] = (der[der.length - 3] as number) ^ 0xff;
    const broken = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    const error = await caught(
      client.issue({ csrPem: broken, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_csr_invalid');
  });

  it("a CSR requesting the identity extensions of another grant, CA rights and key usages gets none of them: the token's identity, once", async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const other = encodeIdentity({
      grantId: '11111111-2222-4333-8444-555555555555',
      subjectUserId: '66666666-7777-4888-8999-aaaaaaaaaaaa',
    });
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=work-gateway',
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.Extension(other.grantId.oid, false, other.grantId.der),
        new x509.Extension(other.subjectUserId.oid, false, other.subjectUserId.der),
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    });
    const issued = await client.issue({
      csrPem: csr.toString('pem'),
      commonName: 'work-gateway',
      grantId: GRANT,
      subjectUserId: SUBJECT,
    });
    const leaf = new x509.X509Certificate(issued.certificatePem);
    expect(readIdentity(new Uint8Array(leaf.rawData))).toEqual({ grantId: GRANT, subjectUserId: SUBJECT });
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca ?? false).toBe(false);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
  });

  it('a provisioner without the fedtrust template yields ca_verification_failed, never a certificate', async () => {
    const bare = adapter({ provisioner: credentials('bare') });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      bare.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error).toBeInstanceOf(StepCaError);
    expect(error.code).toBe('ca_verification_failed');
    expect(error.message).toContain('templateFor');
  });

  it('a template for another arc yields ca_verification_failed', async () => {
    const otherArc = adapter({ arc: '1.3.6.1.4.1.99999' });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      otherArc.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_verification_failed');
  });
});

describe('reachability and pinning', () => {
  it('a CA that is not listening is ca_unreachable, and health says so without throwing', async () => {
    const port = new URL(ca.url).port;
    const closed = adapter({ url: `https://127.0.0.1:${Number(port) === 1 ? 2 : 1}` });
    const { csrPem } = await csrFor('work-gateway');
    const error = await caught(
      closed.issue({ csrPem, commonName: 'work-gateway', grantId: GRANT, subjectUserId: SUBJECT }),
    );
    expect(error.code).toBe('ca_unreachable');
    const health = await closed.health();
    expect(health.ok).toBe(false);
  });

  it('renewal against a CA whose TLS certificate does not chain to the pinned root is ca_unreachable, not a verdict on our certificate', async () => {
    const { csrPem, privateKeyPem } = await csrFor('renew-pinned');
    const issued = await client.issue({
      csrPem,
      commonName: 'renew-pinned',
      grantId: GRANT,
      subjectUserId: SUBJECT,
    });
    const stranger = await generatePki();
    const pinnedElsewhere = adapter({ root: stranger.rootPem });
    const error = await caught(
      pinnedElsewhere.renew({ certificatePem: issued.certificatePem, privateKeyPem }),
    );
    expect(error.code).toBe('ca_unreachable');
  });

  it('pinning never falls back to the default trust store, even one that trusts the CA', async () => {
    const saved = tls.getCACertificates('default');
    tls.setDefaultCACertificates([...saved, ca.rootPem]);
    try {
      const stranger = await generatePki();
      const pinnedElsewhere = adapter({ root: stranger.rootPem });
      expect((await caught(pinnedElsewhere.roots())).code).toBe('ca_unreachable');
      expect((await pinnedElsewhere.health()).ok).toBe(false);
      const { csrPem, privateKeyPem } = await csrFor('renew-pinned');
      const issued = await client.issue({
        csrPem,
        commonName: 'renew-pinned',
        grantId: GRANT,
        subjectUserId: SUBJECT,
      });
      const renewal = await caught(
        pinnedElsewhere.renew({ certificatePem: issued.certificatePem, privateKeyPem }),
      );
      expect(renewal.code).toBe('ca_unreachable');
    } finally {
      tls.setDefaultCACertificates(saved);
    }
  });

  it('a CA whose TLS certificate does not chain to the pinned root is ca_unreachable', async () => {
    const stranger = await generatePki();
    const pinnedElsewhere = adapter({ root: stranger.rootPem });
    const error = await caught(pinnedElsewhere.roots());
    expect(error.code).toBe('ca_unreachable');
    expect((await pinnedElsewhere.health()).ok).toBe(false);
  });
});

describe('probeTemplateGuards (fedtrust doctor)', () => {
  it('reports the fedtrust template as refusing by its guard', async () => {
    const probe = await client.probeTemplateGuards();
    expect(probe).toMatchObject({ refused: true, refusedByGuard: true, caStatus: 400 });
  });

  it('reports a template that guards only the grant-id claim as not guarded', async () => {
    const probe = await adapter({ provisioner: credentials('half-guarded') }).probeTemplateGuards();
    expect(probe.refusedByGuard).toBe(false);
  });

  it('reports a provisioner without the template as issuing', async () => {
    const probe = await adapter({ provisioner: credentials('bare') }).probeTemplateGuards();
    expect(probe).toMatchObject({ refused: false, refusedByGuard: false, caStatus: 201 });
  });
});

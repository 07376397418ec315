import type { Socket } from 'node:net';
import { encodeIdentity } from '@fedtrust/core';
import { describe, expect, it } from 'vitest';
import { clientKey, identityExtensions, leaf, testCa } from '../test-support/pki.js';
import { createConnectionIdentities } from './connection-identity.js';

function fakeTlsSocket(raw: Buffer, authorized: boolean, authorizationError: Error | null = null) {
  const socket = {
    encrypted: true,
    authorized,
    authorizationError,
    reads: 0,
    getPeerCertificate() {
      socket.reads++;
      return { raw };
    },
  };
  return socket;
}

describe('createConnectionIdentities', () => {
  it('decodes a verified leaf once per socket, however many requests it carries', async () => {
    const grantId = '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40';
    const subjectUserId = '7d1e4c2a-0b3f-4e5d-9a8c-1f2e3d4c5b6a';
    const cert = await leaf(
      await clientKey(),
      await testCa(),
      identityExtensions({ grantId, subjectUserId }),
    );
    const der = Buffer.from(cert.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const identities = createConnectionIdentities();
    const socket = fakeTlsSocket(der, true);
    for (let i = 0; i < 5; i++) {
      expect(identities(socket as unknown as Socket)).toEqual({
        ok: true,
        identity: { grantId, subjectUserId },
        certSerial: cert.serial,
      });
    }
    expect(socket.reads).toBe(1);
    expect(identities(fakeTlsSocket(der, true) as unknown as Socket).ok).toBe(true);
  });

  it('never decodes a certificate TLS did not verify, nor a plain socket', () => {
    const identities = createConnectionIdentities();
    const unverified = fakeTlsSocket(
      Buffer.from(
        encodeIdentity({
          grantId: '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40',
          subjectUserId: '7d1e4c2a-0b3f-4e5d-9a8c-1f2e3d4c5b6a',
        }).grantId.der,
      ),
      false,
    );
    expect(identities(unverified as unknown as Socket)).toEqual({
      ok: false,
      reason: 'identity_missing',
      certSerial: null,
    });
    expect(unverified.reads).toBe(0);
    expect(identities({ remoteAddress: '127.0.0.1' } as unknown as Socket)).toMatchObject({
      reason: 'identity_missing',
    });
  });

  it('never decodes a certificate whose verification failed after the handshake, though node left authorized true', async () => {
    // The state a TLS 1.2 renegotiation to a self-signed certificate leaves behind.
    const forged = await leaf(
      await clientKey(),
      null,
      identityExtensions({
        grantId: '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40',
        subjectUserId: '7d1e4c2a-0b3f-4e5d-9a8c-1f2e3d4c5b6a',
      }),
    );
    const der = Buffer.from(forged.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const socket = fakeTlsSocket(der, true, new Error('DEPTH_ZERO_SELF_SIGNED_CERT'));
    expect(createConnectionIdentities()(socket as unknown as Socket)).toEqual({
      ok: false,
      reason: 'identity_missing',
      certSerial: null,
    });
    expect(socket.reads).toBe(0);
  });
});

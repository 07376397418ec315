/**
 * Records in every state the guard distinguishes, written through the store port, and real
 * certificates naming them — for `explain` against the live guard.
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FederationStore, Grant, Peer, PeerStatus, Scope, StoredGrantStatus } from '@fedtrust/core';
import { identifyConnection } from '@fedtrust/core';
import { type IdentityCertificateOptions, identityCertificate } from '@fedtrust/core/testing';

export interface GrantState {
  grantStatus: StoredGrantStatus;
  peerStatus: PeerStatus;
  /** Seconds from now; negative for an expired grant; `null` for none. */
  expiresInSeconds: number | null;
  scope: Scope;
  subjectUserId: string;
  tenantId?: string;
}

/** Inserts a grant and its peer through the port (pending), then moves them to the requested states. */
export async function addGrant(
  store: FederationStore,
  state: GrantState,
): Promise<{ grant: Grant; peer: Peer }> {
  const now = new Date();
  const peer: Peer = {
    id: randomUUID(),
    name: `peer-${randomBytes(3).toString('hex')}`,
    tenantId: state.tenantId ?? 'acme',
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  };
  const grant: Grant = {
    id: randomUUID(),
    tenantId: peer.tenantId,
    peerId: peer.id,
    subjectUserId: state.subjectUserId,
    scope: state.scope,
    status: 'pending',
    createdAt: now,
    activatedAt: null,
    revokedAt: null,
    expiresAt:
      state.expiresInSeconds === null ? null : new Date(now.getTime() + state.expiresInSeconds * 1000),
  };
  await store.createGrant(grant, peer);
  if (state.grantStatus !== 'pending')
    await store.transitionGrant(grant.id, ['pending'], state.grantStatus, now);
  if (state.peerStatus !== 'pending') {
    await store.transitionPeer(
      peer.id,
      ['pending'],
      state.peerStatus === 'revoked' ? 'revoked' : 'active',
      now,
    );
    if (state.peerStatus === 'suspended') await store.transitionPeer(peer.id, ['active'], 'suspended', now);
  }
  return {
    grant: (await store.getGrant(grant.id)) as Grant,
    peer: (await store.getPeer(peer.id)) as Peer,
  };
}

/** A client certificate naming `identity` (or mangled as `options` say), with its canonical serial. */
export async function clientCertificate(
  keys: webcrypto.CryptoKeyPair,
  options: Omit<IdentityCertificateOptions, 'keys' | 'serialNumber'>,
): Promise<{ pem: string; der: Uint8Array; serial: string }> {
  const cert = await identityCertificate({
    ...options,
    keys,
    serialNumber: `4${randomBytes(8).toString('hex')}`,
  });
  const identified = identifyConnection(cert.der);
  return { pem: cert.pem, der: cert.der, serial: identified.certSerial ?? '' };
}

/** Binds a certificate to a grant's peer, revoked at once when asked. */
export async function bind(
  store: FederationStore,
  serial: string,
  grant: Grant,
  options: { revoked?: boolean } = {},
): Promise<void> {
  const now = new Date();
  await store.bindCertificate({
    serial,
    peerId: grant.peerId,
    grantId: grant.id,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    revokedAt: null,
  });
  if (options.revoked === true) await store.markCertificateRevoked(serial, now);
}

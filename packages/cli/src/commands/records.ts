/**
 * The stable `--json` shapes of stored records. Field names here are the documented
 * interface; renaming one is a breaking change.
 *
 * @module @fedtrust/cli
 */
import {
  type CertificateBinding,
  effectiveGrantStatus,
  type Grant,
  type GrantStatus,
  type Peer,
  type ProviderToken,
  type Scope,
} from '@fedtrust/core';

export interface GrantJson {
  id: string;
  tenantId: string;
  peerId: string;
  peerName: string | null;
  subjectUserId: string;
  /** Stored status: `pending`, `active` or `revoked`. */
  status: Grant['status'];
  /** Status at the time of the command: also `expired` once `expiresAt` has passed. */
  effectiveStatus: GrantStatus;
  createdAt: Date;
  activatedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  scope: Scope;
}

export function grantJson(grant: Grant, peer: Peer | null, now: Date): GrantJson {
  return {
    id: grant.id,
    tenantId: grant.tenantId,
    peerId: grant.peerId,
    peerName: peer?.name ?? null,
    subjectUserId: grant.subjectUserId,
    status: grant.status,
    effectiveStatus: effectiveGrantStatus(grant, now),
    createdAt: grant.createdAt,
    activatedAt: grant.activatedAt,
    revokedAt: grant.revokedAt,
    expiresAt: grant.expiresAt,
    scope: grant.scope,
  };
}

export interface PeerJson {
  id: string;
  name: string;
  tenantId: string;
  status: Peer['status'];
  createdAt: Date;
  updatedAt: Date;
}

export function peerJson(peer: Peer): PeerJson {
  const { id, name, tenantId, status, createdAt, updatedAt } = peer;
  return { id, name, tenantId, status, createdAt, updatedAt };
}

export interface CertificateJson {
  serial: string;
  peerId: string;
  grantId: string;
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
}

export function certificateJson(binding: CertificateBinding): CertificateJson {
  const { serial, peerId, grantId, notBefore, notAfter, revokedAt } = binding;
  return { serial, peerId, grantId, notBefore, notAfter, revokedAt };
}

export interface ProviderTokenJson {
  id: string;
  providerId: string;
  /** First 8 characters of the token; the token itself is never stored. */
  prefix: string;
  status: 'active' | 'revoked';
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function providerTokenJson(token: ProviderToken): ProviderTokenJson {
  return {
    id: token.id,
    providerId: token.providerId,
    prefix: token.prefix.slice(0, 8),
    status: token.revokedAt === null ? 'active' : 'revoked',
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}

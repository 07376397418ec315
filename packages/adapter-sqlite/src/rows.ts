/**
 * Maps SQLite rows to core's records and back. Instants are stored as INTEGER milliseconds
 * since the epoch; `Number()` also accepts the BigInts a host's `safeIntegers` handle returns.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type {
  AuditEvent,
  AuditRecord,
  CertificateBinding,
  EnrollmentTokenRecord,
  Grant,
  Peer,
  PeerStatus,
  PendingCompensation,
  ProviderToken,
  Scope,
  SealedRecord,
  StoredGrantStatus,
} from '@fedtrust/core';

export type Row = Record<string, unknown>;

/** A `Date` as stored; an invalid date is refused rather than written as NULL or NaN. */
export function ms(date: Date): number {
  const value = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(value)) throw new TypeError('expected a valid Date');
  return value;
}

export function msOrNull(date: Date | null | undefined): number | null {
  return date === null || date === undefined ? null : ms(date);
}

function date(value: unknown): Date {
  return new Date(Number(value));
}

function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : date(value);
}

export function grantFromRow(r: Row): Grant {
  return {
    id: r['id'] as string,
    tenantId: r['tenant_id'] as string,
    peerId: r['peer_id'] as string,
    subjectUserId: r['subject_user_id'] as string,
    scope: JSON.parse(r['scope'] as string) as Scope,
    status: r['status'] as StoredGrantStatus,
    createdAt: date(r['created_at']),
    activatedAt: dateOrNull(r['activated_at']),
    revokedAt: dateOrNull(r['revoked_at']),
    expiresAt: dateOrNull(r['expires_at']),
  };
}

export function peerFromRow(r: Row): Peer {
  return {
    id: r['id'] as string,
    name: r['name'] as string,
    tenantId: r['tenant_id'] as string,
    status: r['status'] as PeerStatus,
    createdAt: date(r['created_at']),
    updatedAt: date(r['updated_at']),
  };
}

export function bindingFromRow(r: Row): CertificateBinding {
  return {
    serial: r['serial'] as string,
    peerId: r['peer_id'] as string,
    grantId: r['grant_id'] as string,
    notBefore: date(r['not_before']),
    notAfter: date(r['not_after']),
    revokedAt: dateOrNull(r['revoked_at']),
  };
}

export function enrollmentFromRow(r: Row): EnrollmentTokenRecord {
  return {
    tokenHash: r['token_hash'] as string,
    prefix: r['prefix'] as string,
    grantId: r['grant_id'] as string,
    peerId: r['peer_id'] as string,
    createdAt: date(r['created_at']),
    expiresAt: date(r['expires_at']),
    usedAt: dateOrNull(r['used_at']),
  };
}

export function providerTokenFromRow(r: Row): ProviderToken {
  return {
    id: r['id'] as string,
    providerId: r['provider_id'] as string,
    tokenHash: r['token_hash'] as string,
    prefix: r['prefix'] as string,
    createdAt: date(r['created_at']),
    lastUsedAt: dateOrNull(r['last_used_at']),
    revokedAt: dateOrNull(r['revoked_at']),
  };
}

export function auditFromRow(r: Row): AuditRecord {
  return {
    chainId: r['chain_id'] as string,
    seq: Number(r['seq']),
    prevHash: r['prev_hash'] as string,
    hash: r['hash'] as string,
    event: JSON.parse(r['event'] as string) as AuditEvent,
  };
}

export function sealedFromRow(r: Row): SealedRecord {
  return {
    id: r['id'] as string,
    keyId: r['key_id'] as string,
    envelope: r['envelope'] as string,
    updatedAt: date(r['updated_at']),
  };
}

export function compensationFromRow(r: Row): PendingCompensation {
  return {
    id: r['id'] as string,
    serial: r['serial'] as string,
    grantId: r['grant_id'] as string,
    peerId: r['peer_id'] as string,
    reason: r['reason'] as string,
    createdAt: date(r['created_at']),
    attempts: Number(r['attempts']),
    lastError: (r['last_error'] as string | null) ?? null,
    resolvedAt: dateOrNull(r['resolved_at']),
  };
}

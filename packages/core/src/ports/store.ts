/**
 * The storage port. Adapters implement it with atomic primitives (one statement or one
 * transaction each); core makes every decision on top of them.
 *
 * Every method rejects with a `StoreError` (see `toStoreError`) when the driver fails;
 * no raw driver error crosses this boundary.
 *
 * @module @fedtrust/core/ports
 */
import type { AdmissionEventKind, ProviderToken } from '../admission/types.js';
import type { AuditEvent, AuditRecord } from '../audit/types.js';
import type { EnrollmentTokenRecord, RedemptionResult } from '../enrollment/types.js';
import type { CertificateBinding, Grant, Peer, PeerStatus, StoredGrantStatus } from '../grant/types.js';

/** Result of {@link ProviderTokenStore.issue}. */
export type IssueResult = { issued: true; token: ProviderToken } | { issued: false; reason: 'active_exists' };

/**
 * Provider bearer tokens. Invariants every adapter makes true under any concurrency:
 * at most one row per provider with `revokedAt === null` (a unique constraint, not a
 * pre-check); only hashes are stored.
 */
export interface ProviderTokenStore {
  /**
   * In one atomic statement: find the active (unrevoked) token of `providerId` whose hash
   * is `tokenHash`, stamp `lastUsedAt = now`, and return it. `null` when no such row.
   */
  validateAndMarkUsed(providerId: string, tokenHash: string, now: Date): Promise<ProviderToken | null>;
  /** The active token of a provider, or `null`. */
  findActive(providerId: string): Promise<ProviderToken | null>;
  /**
   * Revoke token `tokenId` only if it is still active **and** `lastUsedAt` is still null,
   * in one atomic statement. Returns whether it revoked. A token that validated (and so
   * was stamped) before this runs is never revoked by it.
   */
  revokeUnused(tokenId: string, now: Date): Promise<boolean>;
  /**
   * Insert a new active token. When the provider already has an active token, the
   * database's unique constraint rejects the insert and this returns
   * `{ issued: false, reason: 'active_exists' }` — never a pre-check.
   */
  issue(token: ProviderToken): Promise<IssueResult>;
  /** Tokens, newest first, optionally of one provider. */
  listProviderTokens(filter?: { providerId?: string }): Promise<ProviderToken[]>;
  /** Revoke a token whatever its use; returns whether a still-active row was revoked. */
  revokeProviderToken(tokenId: string, now: Date): Promise<boolean>;
}

/** The append-only audit log. */
export interface AuditStore {
  /**
   * Append one event to `chainId`. Appends to one chain are serialised (SQLite: `BEGIN
   * IMMEDIATE`; Postgres: a transaction-scoped lock on the chain): the new record's `seq`
   * is the previous `seq + 1` (first is 1), its `prevHash` the previous record's `hash`
   * (first is `GENESIS_HASH`), and its `hash` is `chainHash(prevHash, event)` from core.
   * Never forked, never gapped.
   */
  appendAudit(chainId: string, event: AuditEvent): Promise<AuditRecord>;
  /** Records of one chain in `seq` order, from `fromSeq` (default 1), at most `limit`. */
  listAudit(chainId: string, options?: { fromSeq?: number; limit?: number }): Promise<AuditRecord[]>;
  /** The last `n` records of a chain, oldest first. */
  tailAudit(chainId: string, n: number): Promise<AuditRecord[]>;
  /** Ids of every chain that has at least one record. */
  listAuditChains(): Promise<string[]>;
}

/** Sealed secrets (client private keys, CA keys). The store only ever sees envelopes. */
export interface SealedRecord {
  /** Namespaced id, e.g. `ca:root`, `client-key:<peerId>`. */
  id: string;
  /** Key id of the sealer key that produced `envelope`. */
  keyId: string;
  envelope: string;
  updatedAt: Date;
}

export interface SealedStore {
  putSealed(record: SealedRecord): Promise<void>;
  getSealed(id: string): Promise<SealedRecord | null>;
  listSealed(): Promise<SealedRecord[]>;
  /**
   * Compare-and-set in one atomic statement: write `record` only if the stored envelope of
   * `record.id` is still `expectedEnvelope` (`null`: only if no record has that id). Returns
   * whether it wrote; of concurrent callers with the same expectation exactly one wins.
   * Optional so hosts' own stores keep compiling; every shipped store implements it, and
   * `resealAll` uses it when present so a key rotation never overwrites a newer secret.
   */
  replaceSealed?(record: SealedRecord, expectedEnvelope: string | null): Promise<boolean>;
}

/** A compensation the enrollment saga still owes: revoke `serial` at the CA. */
export interface PendingCompensation {
  id: string;
  serial: string;
  grantId: string;
  peerId: string;
  reason: string;
  createdAt: Date;
  attempts: number;
  lastError: string | null;
  resolvedAt: Date | null;
}

export interface CompensationStore {
  addCompensation(record: PendingCompensation): Promise<void>;
  /** Unresolved compensations, oldest first. */
  listPendingCompensations(): Promise<PendingCompensation[]>;
  /** Record a failed attempt (increments `attempts`). */
  noteCompensationAttempt(id: string, error: string): Promise<void>;
  /** Mark resolved; returns whether it was still unresolved (exactly one caller wins). */
  resolveCompensation(id: string, now: Date): Promise<boolean>;
}

/** Filters for listing grants. */
export interface GrantFilter {
  tenantId?: string;
  peerId?: string;
  status?: StoredGrantStatus;
}

/**
 * The whole storage port. Every state change is conditional on the current state in the
 * same statement (`UPDATE … WHERE status IN (…)`), so two racing operators can never both
 * move a record.
 */
export interface FederationStore extends ProviderTokenStore, AuditStore, SealedStore, CompensationStore {
  /** Insert a pending grant and its pending peer in one transaction. */
  createGrant(grant: Grant, peer: Peer): Promise<void>;
  getGrant(id: string): Promise<Grant | null>;
  listGrants(filter?: GrantFilter): Promise<Grant[]>;
  /**
   * Move a grant to `to` only if its stored status is one of `from`, in one statement;
   * stamps `activatedAt`/`revokedAt` as fits. Returns the updated grant, or `null` when
   * the grant is unknown or its status was not in `from`.
   */
  transitionGrant(
    id: string,
    from: readonly StoredGrantStatus[],
    to: StoredGrantStatus,
    at: Date,
  ): Promise<Grant | null>;

  getPeer(id: string): Promise<Peer | null>;
  listPeers(filter?: { tenantId?: string; status?: PeerStatus }): Promise<Peer[]>;
  /** As {@link transitionGrant}, for peers. */
  transitionPeer(id: string, from: readonly PeerStatus[], to: PeerStatus, at: Date): Promise<Peer | null>;

  /** Record a certificate bound to a peer (insert; a duplicate serial is a `StoreError`). */
  bindCertificate(binding: CertificateBinding): Promise<void>;
  getCertificateBinding(serial: string): Promise<CertificateBinding | null>;
  listCertificateBindings(filter?: { peerId?: string }): Promise<CertificateBinding[]>;
  /**
   * Stamp `revokedAt = at` exactly as given — a future `at` retires the certificate then — in
   * one conditional write, only if no `revokedAt` is stamped yet (a retiring one included);
   * returns whether it did. Of concurrent callers for one serial exactly one gets `true`.
   */
  markCertificateRevoked(serial: string, at: Date): Promise<boolean>;

  insertEnrollmentToken(record: EnrollmentTokenRecord): Promise<void>;
  /**
   * Redeem in one conditional update (`usedAt` null and `expiresAt > now`). Exactly one
   * concurrent caller for a token receives `ok`; the others get `already_used`. A token
   * whose hash is unknown gives `unknown`; an unused one past `expiresAt` gives `expired`.
   */
  redeemEnrollmentToken(tokenHash: string, now: Date): Promise<RedemptionResult>;

  /** Release connections the store itself opened (never a pool the host passed in). */
  close(): Promise<void>;
}

/** Alias kept for readers of DESIGN.md, where the admission table names this port. */
export type ProviderTokenPort = ProviderTokenStore;

/** Receives one event per admission decision. Never receives a token, only its 8-char prefix. */
export type AdmissionEventSink = (event: {
  kind: AdmissionEventKind;
  providerId: string;
  tokenPrefix?: string;
  at: Date;
  detail?: string;
}) => void;

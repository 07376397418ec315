/**
 * `memoryStore()`: the in-memory reference `FederationStore`. It passes the store
 * conformance suite and is what core's own tests and examples run against; it is not
 * durable and holds everything in one process.
 *
 * Atomicity: every method first yields once (so concurrent callers really interleave, as
 * they would against a database), then runs its whole check-and-write section
 * synchronously. Nothing is ever awaited between a check and the write it guards, so
 * each method is one atomic step, like one SQL statement or transaction.
 *
 * @module @fedtrust/core/testing
 */
import type { ProviderToken } from '../admission/types.js';
import { chainHash } from '../audit/chain-hash.js';
import { type AuditEvent, type AuditRecord, GENESIS_HASH } from '../audit/types.js';
import type { EnrollmentTokenRecord, RedemptionResult } from '../enrollment/types.js';
import { StoreError } from '../errors/fedtrust-error.js';
import type { CertificateBinding, Grant, Peer, PeerStatus, StoredGrantStatus } from '../grant/types.js';
import type {
  FederationStore,
  GrantFilter,
  IssueResult,
  PendingCompensation,
  SealedRecord,
} from '../ports/store.js';

/** Deep copy (Dates stay Dates): callers never hold a reference into the store's state. */
const copy = <T>(value: T): T => clone(value) as T;

/**
 * `structuredClone` for the store's records — plain objects, arrays, Dates and primitives —
 * walked directly, since every request copies a grant, a peer, a binding and an audit
 * record and the serialiser behind `structuredClone` dominated the reference store's cost.
 * Anything else (a class instance, a `__proto__` key, a function) goes to `structuredClone`,
 * so an unusual value is copied, or refused, exactly as before.
 */
function clone(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return structuredClone(value);
    return value.map(clone);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype || Object.hasOwn(value, '__proto__')) {
    return structuredClone(value);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = clone((value as Record<string, unknown>)[key]);
  return out;
}

/** Lets other pending callers run, as a database round trip would; always before a check. */
const roundTrip = (): Promise<void> => Promise.resolve();

/**
 * A fresh, empty in-memory store. Every returned object is a copy; every object passed in
 * is copied before it is kept. Constraint violations (duplicate ids, serials, token
 * hashes) reject with `StoreError` and change nothing, as a failed transaction would.
 */
export function memoryStore(): FederationStore {
  const grants = new Map<string, Grant>();
  const peers = new Map<string, Peer>();
  const bindings = new Map<string, CertificateBinding>();
  const enrollmentTokens = new Map<string, EnrollmentTokenRecord>();
  const providerTokens = new Map<string, ProviderToken>();
  const chains = new Map<string, AuditRecord[]>();
  const sealed = new Map<string, SealedRecord>();
  const compensations = new Map<string, PendingCompensation>();
  let closed = false;

  async function enter(operation: string): Promise<void> {
    await roundTrip();
    if (closed) throw new StoreError(`${operation} failed: the store is closed`, { details: { operation } });
  }

  function conflict(operation: string, what: string): StoreError {
    return new StoreError(`${operation} failed: ${what}`, {
      details: { operation },
      remediation: 'Use a fresh id; the store already holds a record with this key.',
    });
  }

  return {
    async createGrant(grant, peer) {
      await enter('createGrant');
      if (grants.has(grant.id)) throw conflict('createGrant', `grant ${grant.id} already exists`);
      if (peers.has(peer.id)) throw conflict('createGrant', `peer ${peer.id} already exists`);
      peers.set(peer.id, copy(peer));
      grants.set(grant.id, copy(grant));
    },

    async getGrant(id) {
      await enter('getGrant');
      const grant = grants.get(id);
      return grant === undefined ? null : copy(grant);
    },

    async listGrants(filter: GrantFilter = {}) {
      await enter('listGrants');
      return [...grants.values()]
        .filter(
          (g) =>
            (filter.tenantId === undefined || g.tenantId === filter.tenantId) &&
            (filter.peerId === undefined || g.peerId === filter.peerId) &&
            (filter.status === undefined || g.status === filter.status),
        )
        .map(copy);
    },

    async transitionGrant(id, from: readonly StoredGrantStatus[], to: StoredGrantStatus, at) {
      await enter('transitionGrant');
      const grant = grants.get(id);
      if (grant === undefined || !from.includes(grant.status)) return null;
      const next: Grant = { ...grant, status: to };
      if (to === 'active') next.activatedAt = new Date(at.getTime());
      if (to === 'revoked') next.revokedAt = new Date(at.getTime());
      grants.set(id, next);
      return copy(next);
    },

    async getPeer(id) {
      await enter('getPeer');
      const peer = peers.get(id);
      return peer === undefined ? null : copy(peer);
    },

    async listPeers(filter: { tenantId?: string; status?: PeerStatus } = {}) {
      await enter('listPeers');
      return [...peers.values()]
        .filter(
          (p) =>
            (filter.tenantId === undefined || p.tenantId === filter.tenantId) &&
            (filter.status === undefined || p.status === filter.status),
        )
        .map(copy);
    },

    async transitionPeer(id, from: readonly PeerStatus[], to: PeerStatus, at) {
      await enter('transitionPeer');
      const peer = peers.get(id);
      if (peer === undefined || !from.includes(peer.status)) return null;
      const next: Peer = { ...peer, status: to, updatedAt: new Date(at.getTime()) };
      peers.set(id, next);
      return copy(next);
    },

    async bindCertificate(binding) {
      await enter('bindCertificate');
      if (bindings.has(binding.serial))
        throw conflict('bindCertificate', `serial ${binding.serial} is already bound`);
      bindings.set(binding.serial, copy(binding));
    },

    async getCertificateBinding(serial) {
      await enter('getCertificateBinding');
      const binding = bindings.get(serial);
      return binding === undefined ? null : copy(binding);
    },

    async listCertificateBindings(filter: { peerId?: string } = {}) {
      await enter('listCertificateBindings');
      return [...bindings.values()]
        .filter((b) => filter.peerId === undefined || b.peerId === filter.peerId)
        .map(copy);
    },

    async markCertificateRevoked(serial, at) {
      await enter('markCertificateRevoked');
      const binding = bindings.get(serial);
      if (binding === undefined || binding.revokedAt !== null) return false;
      bindings.set(serial, { ...binding, revokedAt: new Date(at.getTime()) });
      return true;
    },

    async insertEnrollmentToken(record) {
      await enter('insertEnrollmentToken');
      if (enrollmentTokens.has(record.tokenHash))
        throw conflict('insertEnrollmentToken', 'token hash already stored');
      enrollmentTokens.set(record.tokenHash, copy(record));
    },

    async redeemEnrollmentToken(tokenHash, now): Promise<RedemptionResult> {
      await enter('redeemEnrollmentToken');
      const record = enrollmentTokens.get(tokenHash);
      if (record === undefined) return { outcome: 'unknown' };
      if (record.usedAt !== null) return { outcome: 'already_used' };
      if (record.expiresAt.getTime() <= now.getTime()) return { outcome: 'expired' };
      const used: EnrollmentTokenRecord = { ...record, usedAt: new Date(now.getTime()) };
      enrollmentTokens.set(tokenHash, used);
      return { outcome: 'ok', record: copy(used) };
    },

    async validateAndMarkUsed(providerId, tokenHash, now) {
      await enter('validateAndMarkUsed');
      for (const token of providerTokens.values()) {
        if (token.providerId === providerId && token.tokenHash === tokenHash && token.revokedAt === null) {
          const used: ProviderToken = { ...token, lastUsedAt: new Date(now.getTime()) };
          providerTokens.set(token.id, used);
          return copy(used);
        }
      }
      return null;
    },

    async findActive(providerId) {
      await enter('findActive');
      const active = activeTokenOf(providerId);
      return active === undefined ? null : copy(active);
    },

    async revokeUnused(tokenId, now) {
      await enter('revokeUnused');
      const token = providerTokens.get(tokenId);
      if (token === undefined || token.revokedAt !== null || token.lastUsedAt !== null) return false;
      providerTokens.set(tokenId, { ...token, revokedAt: new Date(now.getTime()) });
      return true;
    },

    async issue(token): Promise<IssueResult> {
      await enter('issue');
      if (providerTokens.has(token.id)) throw conflict('issue', `provider token ${token.id} already exists`);
      for (const existing of providerTokens.values()) {
        if (existing.tokenHash === token.tokenHash) throw conflict('issue', 'token hash already stored');
      }
      // The partial unique index (one unrevoked row per provider) decides, not a caller's pre-check.
      if (token.revokedAt === null && activeTokenOf(token.providerId) !== undefined) {
        return { issued: false, reason: 'active_exists' };
      }
      providerTokens.set(token.id, copy(token));
      return { issued: true, token: copy(token) };
    },

    async listProviderTokens(filter: { providerId?: string } = {}) {
      await enter('listProviderTokens');
      return [...providerTokens.values()]
        .filter((t) => filter.providerId === undefined || t.providerId === filter.providerId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map(copy);
    },

    async revokeProviderToken(tokenId, now) {
      await enter('revokeProviderToken');
      const token = providerTokens.get(tokenId);
      if (token === undefined || token.revokedAt !== null) return false;
      providerTokens.set(tokenId, { ...token, revokedAt: new Date(now.getTime()) });
      return true;
    },

    async appendAudit(chainId, event: AuditEvent) {
      await enter('appendAudit');
      const chain = chains.get(chainId) ?? [];
      const last = chain.at(-1);
      const prevHash = last?.hash ?? GENESIS_HASH;
      const record: AuditRecord = {
        chainId,
        seq: (last?.seq ?? 0) + 1,
        prevHash,
        hash: chainHash(prevHash, event),
        event: copy(event),
      };
      chain.push(record);
      chains.set(chainId, chain);
      return copy(record);
    },

    async listAudit(chainId, options: { fromSeq?: number; limit?: number } = {}) {
      await enter('listAudit');
      const fromSeq = options.fromSeq ?? 1;
      const selected = (chains.get(chainId) ?? []).filter((r) => r.seq >= fromSeq);
      const limited = options.limit === undefined ? selected : selected.slice(0, Math.max(0, options.limit));
      return limited.map(copy);
    },

    async tailAudit(chainId, n) {
      await enter('tailAudit');
      if (n <= 0) return [];
      return (chains.get(chainId) ?? []).slice(-n).map(copy);
    },

    async listAuditChains() {
      await enter('listAuditChains');
      return [...chains.keys()].sort();
    },

    async putSealed(record) {
      await enter('putSealed');
      sealed.set(record.id, copy(record));
    },

    async replaceSealed(record, expectedEnvelope) {
      await enter('replaceSealed');
      if ((sealed.get(record.id)?.envelope ?? null) !== expectedEnvelope) return false;
      sealed.set(record.id, copy(record));
      return true;
    },

    async getSealed(id) {
      await enter('getSealed');
      const record = sealed.get(id);
      return record === undefined ? null : copy(record);
    },

    async listSealed() {
      await enter('listSealed');
      return [...sealed.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(copy);
    },

    async addCompensation(record) {
      await enter('addCompensation');
      if (compensations.has(record.id))
        throw conflict('addCompensation', `compensation ${record.id} already exists`);
      compensations.set(record.id, copy(record));
    },

    async listPendingCompensations() {
      await enter('listPendingCompensations');
      return [...compensations.values()]
        .filter((c) => c.resolvedAt === null)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map(copy);
    },

    async noteCompensationAttempt(id, error) {
      await enter('noteCompensationAttempt');
      const record = compensations.get(id);
      if (record === undefined) {
        throw new StoreError(`noteCompensationAttempt failed: no compensation ${id}`, {
          details: { operation: 'noteCompensationAttempt' },
        });
      }
      compensations.set(id, { ...record, attempts: record.attempts + 1, lastError: error });
    },

    async resolveCompensation(id, now) {
      await enter('resolveCompensation');
      const record = compensations.get(id);
      if (record === undefined || record.resolvedAt !== null) return false;
      compensations.set(id, { ...record, resolvedAt: new Date(now.getTime()) });
      return true;
    },

    async close() {
      closed = true;
    },
  };

  function activeTokenOf(providerId: string): ProviderToken | undefined {
    for (const token of providerTokens.values()) {
      if (token.providerId === providerId && token.revokedAt === null) return token;
    }
    return undefined;
  }
}

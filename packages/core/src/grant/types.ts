/**
 * Grant and peer records.
 *
 * @module @fedtrust/core/grant
 */
import type { Scope } from '../scope/types.js';

/** Stored grant status. `expired` is never stored: it is derived from `expiresAt` and the clock. */
export type StoredGrantStatus = 'pending' | 'active' | 'revoked';
/** Effective grant status, as decided at a given instant. */
export type GrantStatus = StoredGrantStatus | 'expired';

/** Peer status: `pending → active ⇄ suspended → revoked`. */
export type PeerStatus = 'pending' | 'active' | 'suspended' | 'revoked';

/**
 * A grant: the serving gateway lets one peer read, as `subjectUserId`, what `scope` allows.
 * Each grant has exactly one peer record (the identity that enrols for it).
 */
export interface Grant {
  id: string;
  tenantId: string;
  peerId: string;
  subjectUserId: string;
  scope: Scope;
  status: StoredGrantStatus;
  createdAt: Date;
  activatedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** A peer: the remote gateway identity a grant was issued to. `name` is its certificate common name. */
export interface Peer {
  id: string;
  name: string;
  tenantId: string;
  status: PeerStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** A certificate bound to a peer at enrollment or renewal. The guard denies `cert_not_bound` without one. */
export interface CertificateBinding {
  /** Lower-case hex serial, no separators. */
  serial: string;
  peerId: string;
  grantId: string;
  notBefore: Date;
  notAfter: Date;
  /**
   * When the certificate stops being accepted. A time still ahead is a retiring certificate
   * (renewed, kept for requests in flight): the guard accepts it until then.
   */
  revokedAt: Date | null;
}

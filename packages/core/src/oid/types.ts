/**
 * Identity carried by a client certificate.
 *
 * @module @fedtrust/core/oid
 */

/** The two identity values, each a canonical lower-case UUID. */
export interface Identity {
  grantId: string;
  subjectUserId: string;
}

/**
 * The documentation arc from RFC 5612 (`1.3.6.1.4.1.32473`), for development only.
 * Hosts set their own IANA Private Enterprise Number arc in production.
 */
export const DEFAULT_IDENTITY_ARC = '1.3.6.1.4.1.32473';

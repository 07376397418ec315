/**
 * Ports the host application implements: its users and its own access control.
 *
 * @module @fedtrust/core/ports
 */
import type { Verb } from '../scope/types.js';

/** The host's user directory, asked before a grant is created. */
export interface HostDirectory {
  /** True only when `userId` exists and belongs to `tenantId`. */
  userBelongsToTenant(userId: string, tenantId: string): Promise<boolean>;
}

/** Input to the host's RBAC check: may this subject user perform this verb on this resource? */
export interface RbacRequest {
  tenantId: string;
  subjectUserId: string;
  verb: Verb;
  resource: string;
  id?: string;
}

/** The host's own access control, applied as the grant's subject user. Errors deny. */
export type HostAuthorizer = (request: RbacRequest) => boolean | Promise<boolean>;

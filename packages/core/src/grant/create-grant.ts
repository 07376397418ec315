/**
 * Creating a grant and its pending peer, after the host confirms the subject user.
 *
 * @module @fedtrust/core/grant
 */
import { isFedtrustError } from '../errors/fedtrust-error.js';
import type { HostDirectory } from '../ports/host.js';
import type { Clock, Random } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { parseScope, type ResourceCatalogue } from '../scope/index.js';
import { DirectoryError, GrantRequestError, SubjectNotInTenantError } from './errors.js';
import type { Grant, Peer } from './types.js';

/** What an operator asks for. `scope` is untrusted input, validated against the host catalogue. */
export interface CreateGrantInput {
  tenantId: string;
  /** The peer's certificate common name (1–64 characters, no control characters). */
  peerName: string;
  /** The user the peer reads as: a canonical lower-case UUID, as carried in the certificate. */
  subjectUserId: string;
  scope: unknown;
  /** When the grant stops working; `null` or absent for no expiry. Must lie in the future. */
  expiresAt?: Date | null;
}

export interface CreateGrantDeps {
  store: FederationStore;
  directory: HostDirectory;
  catalogue: ResourceCatalogue;
  clock: Clock;
  random: Random;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// RFC 5280 ub-common-name; control characters would corrupt logs and certificate subjects.
const PEER_NAME = /^[^\p{Cc}]{1,64}$/u;
const TENANT_ID_MAX = 256;

/**
 * Creates a pending grant and its pending peer. Decides, in order and before anything is
 * written: the request fields are well-formed (`grant_request_invalid`), the scope is valid
 * for the catalogue (`scope_invalid`), `expiresAt` is in the future, and the host directory
 * confirms the subject user belongs to the tenant (`subject_not_in_tenant`; a directory
 * failure is `directory_unavailable`). Grant and peer are then inserted in one store
 * transaction, so a failure leaves neither.
 */
export async function createGrant(
  input: CreateGrantInput,
  deps: CreateGrantDeps,
): Promise<{ grant: Grant; peer: Peer }> {
  const now = deps.clock.now();
  const request = validateRequest(input, now);
  const scope = parseScope(request.scope, deps.catalogue);

  let belongs: boolean;
  try {
    belongs = await deps.directory.userBelongsToTenant(request.subjectUserId, request.tenantId);
  } catch (error) {
    if (isFedtrustError(error)) throw error;
    throw new DirectoryError(error);
  }
  if (belongs !== true) throw new SubjectNotInTenantError(request.subjectUserId, request.tenantId);

  const peer: Peer = {
    id: deps.random.uuid(),
    name: request.peerName,
    tenantId: request.tenantId,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  };
  const grant: Grant = {
    id: deps.random.uuid(),
    tenantId: request.tenantId,
    peerId: peer.id,
    subjectUserId: request.subjectUserId,
    scope,
    status: 'pending',
    createdAt: now,
    activatedAt: null,
    revokedAt: null,
    expiresAt: request.expiresAt,
  };
  await deps.store.createGrant(grant, peer);
  return { grant, peer };
}

interface ValidRequest {
  tenantId: string;
  peerName: string;
  subjectUserId: string;
  scope: unknown;
  expiresAt: Date | null;
}

function validateRequest(input: CreateGrantInput, now: Date): ValidRequest {
  const issues: { path: string; message: string }[] = [];
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Partial<
    Record<keyof CreateGrantInput, unknown>
  >;
  if (typeof input !== 'object' || input === null) issues.push({ path: '', message: 'expected an object' });

  const { tenantId, peerName, subjectUserId, scope, expiresAt } = raw;
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > TENANT_ID_MAX) {
    issues.push({ path: 'tenantId', message: `expected a string of 1..${TENANT_ID_MAX} characters` });
  }
  if (typeof peerName !== 'string' || !PEER_NAME.test(peerName)) {
    issues.push({ path: 'peerName', message: 'expected 1..64 characters without control characters' });
  }
  if (typeof subjectUserId !== 'string' || !UUID.test(subjectUserId)) {
    issues.push({ path: 'subjectUserId', message: 'expected a canonical lower-case UUID' });
  }
  let expiry: Date | null = null;
  if (expiresAt !== undefined && expiresAt !== null) {
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      issues.push({ path: 'expiresAt', message: 'expected a valid Date or null' });
    } else if (expiresAt.getTime() <= now.getTime()) {
      issues.push({ path: 'expiresAt', message: `must be later than now (${now.toISOString()})` });
    } else {
      expiry = new Date(expiresAt.getTime());
    }
  }
  if (issues.length > 0) throw new GrantRequestError(issues);
  return {
    tenantId: tenantId as string,
    peerName: peerName as string,
    subjectUserId: subjectUserId as string,
    scope,
    expiresAt: expiry,
  };
}

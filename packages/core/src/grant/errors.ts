/**
 * Typed errors of the grant and peer lifecycles.
 *
 * @module @fedtrust/core/grant
 */
import { FedtrustError } from '../errors/fedtrust-error.js';

/** Which kind of record a transition concerns. */
export type LifecycleEntity = 'grant' | 'peer';

/**
 * The transition table does not allow this move from the record's current state — or a
 * concurrent operator moved the record first. Status 409: re-read the record and decide again.
 */
export class TransitionError extends FedtrustError {
  static override readonly code = 'illegal_transition';
  override readonly name = 'TransitionError';
  readonly entity: LifecycleEntity;
  readonly from: string;
  readonly to: string;

  constructor(
    entity: LifecycleEntity,
    id: string,
    from: string,
    to: string,
    options: { concurrent?: boolean } = {},
  ) {
    const why = options.concurrent
      ? `${entity} ${id} changed concurrently while moving to ${to}`
      : `${entity} ${id} cannot move from ${from} to ${to}`;
    super(TransitionError.code, why, {
      status: 409,
      remediation:
        from === 'revoked' || from === 'expired'
          ? `This ${entity} is ${from}, which is final; create a new grant instead.`
          : `Re-read the ${entity} and act on its current status (${from}).`,
      details: { entity, id, from, to, ...(options.concurrent ? { concurrent: true } : {}) },
    });
    this.entity = entity;
    this.from = from;
    this.to = to;
  }
}

/** No grant has this id. */
export class GrantNotFoundError extends FedtrustError {
  static override readonly code = 'grant_not_found';
  override readonly name = 'GrantNotFoundError';
  constructor(id: string) {
    super(GrantNotFoundError.code, `No grant has id ${id}.`, {
      status: 404,
      remediation: 'Check the grant id (`fedtrust grant list`); it may belong to another store.',
      details: { id },
    });
  }
}

/** No peer has this id. */
export class PeerNotFoundError extends FedtrustError {
  static override readonly code = 'peer_not_found';
  override readonly name = 'PeerNotFoundError';
  constructor(id: string) {
    super(PeerNotFoundError.code, `No peer has id ${id}.`, {
      status: 404,
      remediation: 'Check the peer id (`fedtrust peer list`); it may belong to another store.',
      details: { id },
    });
  }
}

/** A field of a grant request is malformed (the scope has its own `ScopeError`). */
export class GrantRequestError extends FedtrustError {
  static override readonly code = 'grant_request_invalid';
  override readonly name = 'GrantRequestError';
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(
      GrantRequestError.code,
      `Invalid grant request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      {
        status: 400,
        remediation: 'Fix the listed fields of the grant request and send it again.',
        details: { issues },
      },
    );
    this.issues = issues;
  }
}

/** The host directory says the subject user does not exist or is not a member of the grant's tenant. */
export class SubjectNotInTenantError extends FedtrustError {
  static override readonly code = 'subject_not_in_tenant';
  override readonly name = 'SubjectNotInTenantError';
  constructor(subjectUserId: string, tenantId: string) {
    super(SubjectNotInTenantError.code, `User ${subjectUserId} is not a member of tenant ${tenantId}.`, {
      status: 403,
      remediation:
        'Grant access only as a user of your own tenant; add the user to the tenant first if intended.',
      details: { subjectUserId, tenantId },
    });
  }
}

/** The host directory failed while answering; the grant is not created (fail closed). */
export class DirectoryError extends FedtrustError {
  static override readonly code = 'directory_unavailable';
  override readonly name = 'DirectoryError';
  constructor(cause: unknown) {
    super(DirectoryError.code, 'The host directory failed while checking tenant membership.', {
      status: 503,
      remediation: 'Check the host user directory and retry; nothing was created.',
      cause,
    });
  }
}

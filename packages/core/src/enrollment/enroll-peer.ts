/**
 * The enrollment saga: token → CSR checks → certificate → binding → active peer and grant,
 * with compensation when a step after issuance fails.
 *
 * @module @fedtrust/core/enrollment
 */
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { effectiveGrantStatus } from '../grant/effective-grant-status.js';
import type { Grant, Peer } from '../grant/types.js';
import type { CertificateAuthority, IssuedCertificate } from '../ports/ca.js';
import { type Clock, type Logger, type Random, silentLogger } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { type CompensationTarget, compensateEnrollment } from './compensate-enrollment.js';
import { EnrollPeerError } from './enroll-peer-error.js';
import { readCsr } from './read-csr.js';
import { redeemEnrollmentToken } from './redeem-enrollment-token.js';

/** What a peer sends to enrol: the one-time token and a CSR for its registered name. */
export interface EnrollPeerInput {
  token: string;
  csrPem: string;
}

export interface EnrollPeerDeps {
  store: FederationStore;
  ca: CertificateAuthority;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Lifetime to request from the CA; the CA's default when absent. */
  lifetimeSeconds?: number;
}

/** An enrolled peer: its certificate and the now-active grant and peer. */
export interface EnrollPeerResult {
  certificatePem: string;
  chainPem: string[];
  serial: string;
  notAfter: Date;
  grant: Grant;
  peer: Peer;
}

const REDEMPTION_ERRORS = {
  unknown: ['enrollment_unknown', 'The enrollment token is not known.'],
  expired: ['enrollment_expired', 'The enrollment token expired.'],
  already_used: ['enrollment_replayed', 'The enrollment token was already used.'],
} as const;

/** The reason recorded with the intent, and given to the CA if the retry has to revoke. */
const INTERRUPTED_REASON = 'enrollment interrupted after issuance';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Enrols a peer. Before issuance it decides, in order: the CSR parses and its
 * self-signature verifies (`enrollment_csr_invalid`, checked first so a malformed request
 * does not burn the token); the token redeems (`enrollment_unknown` 404,
 * `enrollment_expired` / `enrollment_replayed` 410 — exactly one concurrent redeemer
 * proceeds); grant and peer are both still pending and the grant unexpired
 * (`enrollment_state_invalid`); the CSR's only common name is the peer's registered name
 * (`enrollment_csr_mismatch`). Nothing is written before issuance except the redemption.
 * The CA receives the verified request re-encoded, never the peer's PEM text.
 *
 * After issuance: record an intent (a `PendingCompensation` with `attempts: 0`, resolved on
 * success), bind the certificate, activate the peer, then the grant — each a conditional
 * store update. A process that dies mid-saga leaves the intent behind, and
 * `retryCompensations` finishes it once it is older than the in-flight grace. If any step fails, the certificate is revoked at the CA, its
 * binding marked revoked and the peer returned to pending (`enrollment_aborted`); the
 * grant ends pending as it started (an activation whose answer was lost is undone). If that compensation fails too, a durable `PendingCompensation`
 * is written for `retryCompensations` (`enrollment_compensation_pending`). So the saga
 * ends — now or after a retry — with a fully enrolled peer or a revoked certificate and an
 * unchanged grant; a failure is never silent.
 */
export async function enrollPeer(input: EnrollPeerInput, deps: EnrollPeerDeps): Promise<EnrollPeerResult> {
  const logger = deps.logger ?? silentLogger;
  const csr = await readCsr(input.csrPem);

  const redemption = await redeemEnrollmentToken(input.token, deps);
  if (redemption.outcome !== 'ok') {
    const [code, text] = REDEMPTION_ERRORS[redemption.outcome];
    throw new EnrollPeerError(code, text);
  }
  const { record } = redemption;
  const now = deps.clock.now();
  const [grant, peer] = await Promise.all([
    deps.store.getGrant(record.grantId),
    deps.store.getPeer(record.peerId),
  ]);
  if (grant === null || peer === null || grant.peerId !== peer.id) {
    throw new EnrollPeerError(
      'enrollment_state_invalid',
      'The grant or peer of this token no longer exists.',
      {
        details: { grantId: record.grantId, peerId: record.peerId },
      },
    );
  }
  const grantStatus = effectiveGrantStatus(grant, now);
  if (grantStatus !== 'pending' || peer.status !== 'pending') {
    throw new EnrollPeerError(
      'enrollment_state_invalid',
      `The grant is ${grantStatus} and the peer ${peer.status}; enrollment needs both pending.`,
      { details: { grantId: grant.id, peerId: peer.id, grantStatus, peerStatus: peer.status } },
    );
  }
  if (csr.commonNames.length !== 1 || csr.commonNames[0] !== peer.name) {
    throw new EnrollPeerError(
      'enrollment_csr_mismatch',
      "The CSR common name is not the peer's registered name.",
      {
        details: { peerId: peer.id, expected: peer.name, received: csr.commonNames },
      },
    );
  }

  let issued: IssuedCertificate;
  try {
    issued = await deps.ca.issue({
      csrPem: csr.pem,
      commonName: peer.name,
      grantId: grant.id,
      subjectUserId: grant.subjectUserId,
      ...(deps.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: deps.lifetimeSeconds }),
    });
  } catch (error) {
    if (isFedtrustError(error)) throw error;
    throw new EnrollPeerError('enrollment_issue_failed', `The CA did not issue: ${message(error)}`, {
      cause: error,
      details: { grantId: grant.id },
    });
  }

  const target: CompensationTarget = {
    serial: issued.serial,
    grantId: grant.id,
    peerId: peer.id,
    reason: '',
  };
  const intentId = deps.random.uuid();
  let intent: string | null = null;
  let step = 'record the enrollment intent';
  try {
    // Written before any other effect, so a process that dies mid-saga leaves a durable
    // record: retryCompensations finishes it once it is older than the in-flight grace.
    await deps.store.addCompensation({
      id: intentId,
      serial: issued.serial,
      grantId: grant.id,
      peerId: peer.id,
      reason: INTERRUPTED_REASON,
      createdAt: deps.clock.now(),
      attempts: 0,
      lastError: null,
      resolvedAt: null,
    });
    intent = intentId;
    step = 'bind the certificate';
    await deps.store.bindCertificate({
      serial: issued.serial,
      peerId: peer.id,
      grantId: grant.id,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      revokedAt: null,
    });
    step = 'activate the peer';
    const activePeer = await deps.store.transitionPeer(peer.id, ['pending'], 'active', now);
    if (activePeer === null) throw new Error('the peer was no longer pending');
    step = 'activate the grant';
    const activeGrant = await activateGrantOnce(deps.store, grant.id, now);
    await deps.store.resolveCompensation(intentId, deps.clock.now()).catch((error: unknown) => {
      // Enrolled all the same: retryCompensations finds the enrollment complete and resolves it.
      logger.warn('enrollment intent not resolved', { serial: issued.serial, error: message(error) });
    });
    logger.info('peer enrolled', {
      grantId: grant.id,
      peerId: peer.id,
      serial: issued.serial,
      token: record.prefix,
    });
    return {
      certificatePem: issued.certificatePem,
      chainPem: issued.chainPem,
      serial: issued.serial,
      notAfter: issued.notAfter,
      grant: activeGrant,
      peer: activePeer,
    };
  } catch (error) {
    target.reason = `enrollment failed: could not ${step}: ${message(error)}`;
    return compensateOrRecord(target, intent, error, deps, logger);
  }
}

/**
 * Activates the grant. The saga's last step decides success, so an error whose outcome is
 * unknown (the update committed, the answer was lost) is settled by reading the grant back:
 * only the saga that won the peer's activation reaches this step, so an active grant is ours.
 */
async function activateGrantOnce(store: FederationStore, grantId: string, now: Date): Promise<Grant> {
  let moved: Grant | null;
  try {
    moved = await store.transitionGrant(grantId, ['pending'], 'active', now);
  } catch (error) {
    const current = await store.getGrant(grantId).catch(() => null);
    if (current?.status === 'active') return current;
    throw error;
  }
  if (moved === null) throw new Error('the grant was no longer pending');
  return moved;
}

/**
 * Compensates now; if that fails, leaves a pending record for `retryCompensations`: the
 * intent record (`intent`, its attempt noted) when it was written, a new record otherwise.
 */
async function compensateOrRecord(
  target: CompensationTarget,
  intent: string | null,
  cause: unknown,
  deps: EnrollPeerDeps,
  logger: Logger,
): Promise<never> {
  const details = { grantId: target.grantId, peerId: target.peerId, serial: target.serial };
  try {
    await compensateEnrollment(target, deps);
    if (intent !== null) {
      // Unresolved, the intent is retried later; every compensation step is idempotent.
      await deps.store.resolveCompensation(intent, deps.clock.now()).catch(() => false);
    }
  } catch (compensationError) {
    if (intent !== null) {
      // If noting the attempt fails too, the intent itself stays pending for the retry.
      await deps.store.noteCompensationAttempt(intent, message(compensationError)).catch(() => undefined);
      logger.error('enrollment compensation pending', { ...details, compensationId: intent });
      throw new EnrollPeerError(
        'enrollment_compensation_pending',
        `Enrollment failed (${target.reason}); the certificate revocation is pending as compensation ${intent}.`,
        { cause: compensationError, details: { ...details, compensationId: intent } },
      );
    }
    const id = deps.random.uuid();
    try {
      await deps.store.addCompensation({
        id,
        serial: target.serial,
        grantId: target.grantId,
        peerId: target.peerId,
        reason: target.reason,
        createdAt: deps.clock.now(),
        attempts: 1,
        lastError: message(compensationError),
        resolvedAt: null,
      });
    } catch (recordError) {
      logger.error('enrollment compensation lost: revoke this certificate by hand', {
        ...details,
        error: message(recordError),
      });
      throw new EnrollPeerError(
        'enrollment_compensation_failed',
        `Enrollment failed (${target.reason}); revoking certificate ${target.serial} and recording that failed too.`,
        { cause: recordError, details },
      );
    }
    logger.error('enrollment compensation pending', { ...details, compensationId: id });
    throw new EnrollPeerError(
      'enrollment_compensation_pending',
      `Enrollment failed (${target.reason}); the certificate revocation is pending as compensation ${id}.`,
      { cause: compensationError, details: { ...details, compensationId: id } },
    );
  }
  logger.warn('enrollment rolled back', { ...details, reason: target.reason });
  throw new EnrollPeerError(
    'enrollment_aborted',
    `Enrollment failed and was rolled back: ${target.reason}.`,
    {
      cause,
      details,
    },
  );
}

/**
 * Provider-token admission: the settling-window state machine of DESIGN.md.
 *
 * @module @fedtrust/core/admission
 */
import { Buffer } from 'node:buffer';
import { hashToken } from '../enrollment/hash-token.js';
import { tokenPrefix } from '../enrollment/token-prefix.js';
import type { Clock, Random } from '../ports/runtime.js';
import type { AdmissionEventSink, ProviderTokenStore } from '../ports/store.js';
import { AdmissionInputError } from './admission-error.js';
import type {
  AdmissionDecision,
  AdmissionEventKind,
  AdmissionRejectCode,
  AdmissionRequest,
  AdmittedAuthState,
  ProviderToken,
} from './types.js';

/** What admission needs from the host. */
export interface AdmissionDeps {
  store: ProviderTokenStore;
  /** The operator's flag: when on, tokenless providers are refused. Flip it only after `preFlipAudit` says safe. */
  requireProviderTokens: boolean;
  clock: Clock;
  random: Random;
  /** Receives one event per decision, with at most the token's 8-character prefix. Must not throw; if it does, the decision stands. */
  onEvent?: AdmissionEventSink;
}

/** Prefix of every provider token, so leaked tokens are recognisable by secret scanners. */
export const PROVIDER_TOKEN_PREFIX = 'ftp_';

const MAX_PROVIDER_ID_LENGTH = 256;
const MAX_BEARER_LENGTH = 1024;

/** Thrown by the store wrapper below so a failure is attributed to the step that failed. */
class StepFailed {
  constructor(readonly operation: string) {}
}

/**
 * Decides whether a provider connection is admitted and with which auth state, following
 * every row of the admission table: a valid bearer is checked and stamped in one atomic
 * store call; a tokenless provider is minted a token when it has none, self-healed when its
 * active token was never used, refused (`tofu_reject`) when it was; a lost mint race admits
 * a quarantined `bearerless_duplicate` without a token. Fails closed: any store error
 * rejects with `store_error`, a failed mint with `mint_failed`; it never throws for a store
 * failure. The minted token is returned once and only its hash is stored.
 *
 * Throws `AdmissionInputError` (before touching the store) for a missing or oversized
 * provider id or a bearer that is not a string.
 */
export async function admitProvider(
  request: AdmissionRequest,
  deps: AdmissionDeps,
): Promise<AdmissionDecision> {
  const { providerId, bearer } = validate(request);
  const now = deps.clock.now();
  const emit = (kind: AdmissionEventKind, prefix?: string, detail?: string) => {
    try {
      deps.onEvent?.({
        kind,
        providerId,
        at: now,
        ...(prefix === undefined ? {} : { tokenPrefix: prefix }),
        ...(detail === undefined ? {} : { detail }),
      });
    } catch {
      // Observability must not change a decision the store has already recorded.
    }
  };
  const admit = (
    authState: AdmittedAuthState,
    kind: AdmissionEventKind,
    token?: ProviderToken,
    plain?: string,
  ) => {
    emit(kind, token?.prefix);
    const decision: AdmissionDecision = { admit: true, authState, event: kind };
    if (token !== undefined) {
      decision.tokenId = token.id;
      decision.tokenPrefix = token.prefix;
    }
    if (plain !== undefined) decision.token = plain;
    return decision;
  };
  const reject = (
    code: AdmissionRejectCode,
    kind: AdmissionEventKind,
    detail?: string,
  ): AdmissionDecision => {
    emit(kind, undefined, detail);
    return code === 'mint_failed'
      ? { admit: false, authState: 'mint_failed', reject: { code }, event: kind }
      : { admit: false, reject: { code }, event: kind };
  };
  const step = async <R>(operation: string, run: () => Promise<R>): Promise<R> => {
    try {
      return await run();
    } catch {
      throw new StepFailed(operation);
    }
  };

  try {
    if (bearer !== null) {
      const proved =
        bearer.length > MAX_BEARER_LENGTH
          ? null
          : await step('validateAndMarkUsed', () =>
              deps.store.validateAndMarkUsed(providerId, hashToken(bearer), now),
            );
      return proved === null
        ? reject('invalid_token', 'bearer_rejected')
        : admit('bearer_validated', 'bearer_ok', proved);
    }

    if (deps.requireProviderTokens) return reject('token_required', 'token_required');

    let healing = false;
    const active = await step('findActive', () => deps.store.findActive(providerId));
    if (active !== null) {
      if (active.lastUsedAt !== null) return reject('tofu_reject', 'tofu_reject');
      healing = true;
      const revoked = await step('revokeUnused', () => deps.store.revokeUnused(active.id, now));
      if (!revoked) {
        // Between the read and the revoke, either the holder proved its bearer (stamped, so
        // the revoke refused) or another connection self-healed first. Re-read to tell which.
        const current = await step('findActive', () => deps.store.findActive(providerId));
        if (current !== null && current.lastUsedAt !== null) return reject('tofu_reject', 'tofu_reject');
      }
    }

    const plain = PROVIDER_TOKEN_PREFIX + Buffer.from(deps.random.bytes(32)).toString('base64url');
    const record: ProviderToken = {
      id: deps.random.uuid(),
      providerId,
      tokenHash: hashToken(plain),
      prefix: tokenPrefix(plain),
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    };
    let issued: Awaited<ReturnType<ProviderTokenStore['issue']>>;
    try {
      issued = await deps.store.issue(record);
    } catch {
      return reject('mint_failed', 'mint_failed', 'issue');
    }
    if (!issued.issued) return admit('bearerless_duplicate', 'race_loss_admit_quarantined');
    return admit('self_minted', healing ? 'self_heal' : 'minted', record, plain);
  } catch (error) {
    return reject('store_error', 'store_error', error instanceof StepFailed ? error.operation : 'unknown');
  }
}

function validate(request: AdmissionRequest): { providerId: string; bearer: string | null } {
  if (typeof request !== 'object' || request === null)
    throw new AdmissionInputError('Pass an admission request.');
  const { providerId, bearer } = request;
  if (
    typeof providerId !== 'string' ||
    providerId.length === 0 ||
    providerId.length > MAX_PROVIDER_ID_LENGTH
  ) {
    throw new AdmissionInputError('The provider id must be a non-empty string of at most 256 characters.');
  }
  if (bearer !== undefined && bearer !== null && typeof bearer !== 'string') {
    throw new AdmissionInputError('The bearer must be a string when present.');
  }
  return { providerId, bearer: bearer ?? null };
}

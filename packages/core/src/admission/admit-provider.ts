/**
 * Provider-token admission: the settling-window state machine of DESIGN.md.
 *
 * @module @fedtrust/core/admission
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
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
  /**
   * Receives one event per decision, with at most the token's 8-character prefix. Must not
   * throw; if it throws or returns a promise that rejects, the decision stands.
   */
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
 * a quarantined `bearerless_duplicate` without a token. Fails closed: any store error, or a
 * store answer outside the port contract (e.g. `undefined` or another provider's row for a
 * bearer), rejects with `store_error`, a failed or unrecognised mint with `mint_failed`; it
 * never throws for a store failure. The minted token is returned once and only its hash is stored.
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
      const sent: unknown = deps.onEvent?.({
        kind,
        providerId,
        at: now,
        ...(prefix === undefined ? {} : { tokenPrefix: prefix }),
        ...(detail === undefined ? {} : { detail }),
      });
      // An async sink's rejection would otherwise surface as an unhandled rejection, which
      // Node turns into a process exit.
      if (isThenable(sent)) sent.then(undefined, () => {});
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
    const prefix = token?.prefix.slice(0, 8);
    emit(kind, prefix);
    const decision: AdmissionDecision = { admit: true, authState, event: kind };
    if (token !== undefined) {
      decision.tokenId = token.id;
      decision.tokenPrefix = prefix as string;
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
      if (bearer.length > MAX_BEARER_LENGTH) return reject('invalid_token', 'bearer_rejected');
      const tokenHash = hashToken(bearer);
      // The one store call of the hot path, awaited directly rather than through `step`.
      let proved: unknown;
      try {
        proved = await deps.store.validateAndMarkUsed(providerId, tokenHash, now);
      } catch {
        throw new StepFailed('validateAndMarkUsed');
      }
      if (proved === null) return reject('invalid_token', 'bearer_rejected');
      // Only an active row of this provider with this hash proves the bearer; any other
      // answer is a store outside its contract, and admitting on it would fail open.
      if (!isTokenOf(proved, providerId) || !sameHash(proved.tokenHash, tokenHash)) {
        throw new StepFailed('validateAndMarkUsed');
      }
      return admit('bearer_validated', 'bearer_ok', proved);
    }

    if (deps.requireProviderTokens) return reject('token_required', 'token_required');

    let healing = false;
    const active = await findActive(providerId, deps.store, step);
    if (active !== null) {
      if (active.lastUsedAt !== null) return reject('tofu_reject', 'tofu_reject');
      healing = true;
      const revoked = await step('revokeUnused', () => deps.store.revokeUnused(active.id, now));
      if (revoked !== true) {
        // Between the read and the revoke, either the holder proved its bearer (stamped, so
        // the revoke refused) or another connection self-healed first. Re-read to tell which.
        const current = await findActive(providerId, deps.store, step);
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
    let issued: unknown;
    try {
      issued = await deps.store.issue(record);
    } catch {
      return reject('mint_failed', 'mint_failed', 'issue');
    }
    const outcome = (issued as { issued?: unknown; reason?: unknown } | null)?.issued;
    if (outcome === true) return admit('self_minted', healing ? 'self_heal' : 'minted', record, plain);
    if (outcome === false && (issued as { reason?: unknown }).reason === 'active_exists') {
      return admit('bearerless_duplicate', 'race_loss_admit_quarantined');
    }
    // Not the contract's answer: nothing proves either a mint or a lost race, so fail closed.
    return reject('mint_failed', 'mint_failed', 'issue');
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

/** Reads the provider's active row, refusing (as a failed step) an answer outside the port contract. */
async function findActive(
  providerId: string,
  store: ProviderTokenStore,
  step: <R>(operation: string, run: () => Promise<R>) => Promise<R>,
): Promise<ProviderToken | null> {
  const found: unknown = await step('findActive', () => store.findActive(providerId));
  if (found === null) return null;
  if (!isTokenOf(found, providerId) || !(found.lastUsedAt === null || found.lastUsedAt instanceof Date)) {
    throw new StepFailed('findActive');
  }
  return found;
}

/** An active (unrevoked) token row of `providerId` with the fields admission reads. */
function isTokenOf(value: unknown, providerId: string): value is ProviderToken {
  if (typeof value !== 'object' || value === null) return false;
  const token = value as Partial<Record<keyof ProviderToken, unknown>>;
  return (
    token.providerId === providerId &&
    token.revokedAt === null &&
    typeof token.id === 'string' &&
    typeof token.tokenHash === 'string' &&
    typeof token.prefix === 'string'
  );
}

function sameHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

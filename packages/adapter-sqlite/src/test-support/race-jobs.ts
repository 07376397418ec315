/**
 * Jobs the race workers run, shared by the worker and the test that spawns it. Test-only:
 * not exported from the package.
 */

/** Every worker opens its own connection (its own `sqliteStore`) on `file`. */
export interface WorkerSetup {
  file: string;
  migrationsDir: string;
  /** Start gate: workers block on cell 0 until the test flips it, so they start together. */
  gate: SharedArrayBuffer;
  job: RaceJob;
}

export type RaceJob =
  /** Tokenless admissions through core's `admitProvider`, `count` times. */
  | { kind: 'admit'; providerId: string; count: number }
  /** Raw `issue` of the given token ids (hash = id) for one provider. */
  | { kind: 'issue'; providerId: string; tokenIds: string[] }
  /** `redeemEnrollmentToken(tokenHash)`, `count` times. */
  | { kind: 'redeem'; tokenHash: string; count: number }
  /** `count` audit appends to one chain; events carry `worker` so every row is attributable. */
  | { kind: 'append'; chainId: string; count: number; worker: number }
  /**
   * One side of a lockstep duel over many fresh tokens: for token `i`, both sides meet at
   * barrier cell `i` of `lockstep`, then one validates while the other revokes.
   */
  | { kind: 'duel'; side: 'validate' | 'revoke'; tokens: DuelToken[]; lockstep: SharedArrayBuffer }
  /**
   * One of `parties` threads moving the same grants: for grant `i` all meet at barrier cell
   * `i`, then each calls `transitionGrant(grantIds[i], from, to, at)` once.
   */
  | {
      kind: 'transition';
      grantIds: string[];
      from: Array<'pending' | 'active'>;
      to: 'active' | 'revoked';
      at: number;
      parties: number;
      lockstep: SharedArrayBuffer;
    };

export interface DuelToken {
  id: string;
  providerId: string;
  tokenHash: string;
}

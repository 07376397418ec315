/**
 * One transaction on one checked-out connection.
 *
 * @module @fedtrust/adapter-pg
 */
import type { PgPool, PgPoolClient } from './types.js';

/**
 * Runs `work` between BEGIN and COMMIT on one client from `pool`, rolling back on any
 * error. The isolation level is always READ COMMITTED, whatever default the host's role,
 * database or pool sets: the store's lock-then-read transactions (audit append, migrate)
 * rely on each statement taking a fresh snapshot after the lock is granted. A connection that failed (terminated backend, failed rollback) is destroyed, not
 * returned to the host's pool. While checked out, the client's `error` event is observed
 * so a backend killed mid-transaction surfaces as the rejected query, never as an
 * unhandled `error` event that would crash the host.
 */
export async function withTransaction<T>(
  pool: PgPool,
  work: (client: PgPoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ?? false);
  }
}

/**
 * The store's handle on one better-sqlite3 connection: cached prepared statements and the
 * single place where driver errors become `StoreError`.
 *
 * @module @fedtrust/adapter-sqlite
 */
import { StoreError } from '@fedtrust/core';
import type BetterSqlite3 from 'better-sqlite3';
import { wrapSqliteError } from './errors.js';
import type { Row } from './rows.js';

export interface Connection {
  readonly db: BetterSqlite3.Database;
  /** A prepared statement, prepared once per store and reused. */
  stmt(sql: string): BetterSqlite3.Statement<unknown[], Row>;
  /**
   * Runs a synchronous body and settles with its result; any error it throws is wrapped once
   * as a `StoreError` naming `operation`. better-sqlite3 runs each body to completion on this
   * thread, so nothing else of this store interleaves with it. A body may return a promise
   * (a queued audit append), which must reject with an already wrapped error.
   */
  run<T>(operation: string, body: () => T | PromiseLike<T>): Promise<T>;
  /** Refuse every later call; the driver handle is closed by the caller if it owns it. */
  markClosed(): void;
}

export function connection(db: BetterSqlite3.Database): Connection {
  const cache = new Map<string, BetterSqlite3.Statement<unknown[], Row>>();
  let closed = false;
  return {
    db,
    stmt(sql) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        // Numbers, not BigInts, even on a host handle opened with safeIntegers: every integer
        // stored here (epoch milliseconds, seq, attempts) is far below 2^53.
        statement = db.prepare<unknown[], Row>(sql).safeIntegers(false);
        cache.set(sql, statement);
      }
      return statement;
    },
    run(operation, body) {
      try {
        if (closed)
          throw new StoreError(`${operation} failed: the SQLite store is closed.`, {
            details: { operation },
          });
        return Promise.resolve(body());
      } catch (error) {
        return Promise.reject(wrapSqliteError(error, operation));
      }
    },
    markClosed() {
      closed = true;
      cache.clear();
    },
  };
}

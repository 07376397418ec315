/**
 * The infrastructure under each gateway: a store (a SQLite file, or a database on an
 * embedded Postgres) and a CA (ca-local, or a real step-ca). Everything started here is
 * registered on the caller's cleanup stack, so it is stopped and removed however the demo ends.
 *
 * @module @fedtrust/example-two-gateways/stack
 */
import { join } from 'node:path';
import { pgStore } from '@fedtrust/adapter-pg';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '@fedtrust/adapter-pg/testing';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { type LocalCa, localCa } from '@fedtrust/ca-local';
import { stepCa } from '@fedtrust/ca-stepca';
import { startStepCa } from '@fedtrust/ca-stepca/testing';
import {
  type CertificateAuthority,
  createSealer,
  type FederationStore,
  generateSealKey,
} from '@fedtrust/core';
import { systemRandom } from '@fedtrust/core/system';
import pg from 'pg';

export type StoreKind = 'sqlite' | 'pg';
export type CaKind = 'local' | 'stepca';

/** One gateway's store and CAs. */
export interface GatewayInfra {
  store: FederationStore;
  /** Where the store lives, for the transcript. */
  storeLabel: string;
  /** The CA that signs peers' client certificates at enrollment. */
  ca: CertificateAuthority;
  caLabel: string;
  /** The CA of the gateway's own TLS server certificate (ca-local, also when peers enrol at step-ca). */
  tlsCa: LocalCa;
}

export interface Stack {
  store: StoreKind;
  ca: CaKind;
  /** Opens the store and CAs of gateway `name`. */
  open(name: string): Promise<GatewayInfra>;
}

/**
 * Builds the stack. The embedded Postgres is started once, on first use, and each gateway
 * gets its own database on it; each gateway gets its own step-ca.
 */
export function createStack(options: {
  store: StoreKind;
  ca: CaKind;
  dir: string;
  cleanup: AsyncDisposableStack;
}): Stack {
  const { dir, cleanup } = options;
  let postgres: Promise<EmbeddedPostgresServer> | null = null;

  const startPostgres = () => {
    postgres ??= startEmbeddedPostgres().then((server) => {
      cleanup.defer(() => server.stop());
      return server;
    });
    return postgres;
  };

  async function openStore(name: string): Promise<{ store: FederationStore; label: string }> {
    if (options.store === 'sqlite') {
      const file = join(dir, `${name}.db`);
      const store = sqliteStore(file);
      cleanup.defer(() => store.close());
      return { store, label: `SQLite ${file}` };
    }
    const server = await startPostgres();
    await server.createDatabase(name);
    const pool = new pg.Pool({ connectionString: server.connectionString(name), max: 8 });
    // pool.end() resolves before its sockets have closed, so stopping the server right after
    // can still reach an idle client as an 'error' event; unhandled, that would crash the demo.
    // A connection lost during the story surfaces as the failing query of its step instead.
    pool.on('error', () => {});
    cleanup.defer(() => pool.end());
    const store = pgStore(pool);
    cleanup.defer(() => store.close());
    await store.migrate();
    return { store, label: `Postgres ${server.host}:${server.port}/${name}` };
  }

  async function open(name: string): Promise<GatewayInfra> {
    const { store, label } = await openStore(name);
    const sealer = createSealer({
      keys: { k1: generateSealKey(systemRandom) },
      currentKeyId: 'k1',
      random: systemRandom,
    });
    const tlsCa = localCa({ store, sealer, name: `${name}-ca` });
    if (options.ca === 'local') return { store, storeLabel: label, ca: tlsCa, caLabel: 'ca-local', tlsCa };
    const running = await startStepCa();
    cleanup.defer(() => running.stop());
    const ca = stepCa({ url: running.url, root: running.rootPem, provisioner: running.provisioner });
    cleanup.defer(() => ca.close());
    return { store, storeLabel: label, ca, caLabel: `step-ca ${running.url}`, tlsCa };
  }

  return { store: options.store, ca: options.ca, open };
}

/**
 * One isolated gateway per test scenario: a workspace with a migrated, seeded SQLite store,
 * the operator's files, and a runner for the built binary in that workspace.
 */
import 'reflect-metadata';
import { cpSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MIGRATIONS_DIR, sqliteStore } from '@fedtrust/adapter-sqlite';
import type { FederationStore } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';
import { type BinResult, fedtrust } from './built-cli.js';
import { HOST_FILE, type SeededDemo, sealKeyList, seedDemo, type Workspace, workspace } from './demo.js';

export interface Scenario {
  ws: Workspace;
  demo: SeededDemo;
  sealKeys: { text: string; keys: Record<string, string> };
  env: Record<string, string>;
  /** Runs the binary in the workspace with the scenario's environment plus `extraEnv`. */
  cli(args: readonly string[], extraEnv?: Record<string, string>): Promise<BinResult>;
  withStore<T>(body: (store: FederationStore) => Promise<T>): Promise<T>;
}

/**
 * A migrated SQLite store (migrations copied into the workspace, so a test may tamper with
 * them through `--migrations-dir`) seeded with `seedDemo`, plus `root.pem`, `server.pem`
 * and the host file.
 */
export async function sqliteScenario(): Promise<Scenario> {
  const ws = workspace();
  const migrations = ws.path('migrations');
  cpSync(DEFAULT_MIGRATIONS_DIR, migrations, { recursive: true });
  const sealKeys = sealKeyList(['k1']);
  const withStore = async <T>(body: (store: FederationStore) => Promise<T>): Promise<T> => {
    const store = sqliteStore(ws.path('fedtrust.db'), { migrationsDir: migrations });
    try {
      return await body(store);
    } finally {
      await store.close();
    }
  };
  const demo = await withStore((store) => seedDemo(store, sealKeys.text));
  ws.write('root.pem', demo.rootPem);
  ws.write('server.pem', demo.serverCertificatePem);
  const env = {
    FEDTRUST_STORE: 'sqlite:./fedtrust.db',
    FEDTRUST_MIGRATIONS_DIR: migrations,
    FEDTRUST_SEAL_KEYS: sealKeys.text,
    FEDTRUST_RESOURCES: ws.write('host.json', HOST_FILE),
    FEDTRUST_CA_ROOT: ws.path('root.pem'),
    FEDTRUST_SERVER_CERT: ws.path('server.pem'),
  };
  return {
    ws,
    demo,
    sealKeys,
    env,
    cli: (args, extraEnv = {}) => fedtrust(args, { cwd: ws.dir, env: { ...env, ...extraEnv } }),
    withStore,
  };
}

/** A plain HTTP server standing in for a peer gateway: node stamps a real `Date` header on every answer. */
export async function datePeer(): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.statusCode = 401;
    res.end('{"error":"identity_missing"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fedtrust/v1/capabilities`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A self-signed certificate valid over [notBefore, notAfter], PEM. */
export async function certificateValid(notBefore: Date, notAfter: Date): Promise<string> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c3d',
    name: 'CN=127.0.0.1',
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return certificate.toString('pem');
}

export interface DoctorJson {
  ok: boolean;
  status: string;
  checks: {
    name: string;
    status: 'pass' | 'warn' | 'fail';
    summary: string;
    remediation: string | null;
    findings: { status: string; subject: string; message: string }[];
    details: Record<string, unknown>;
  }[];
}

/** The one check of a `doctor --json` report. */
export function check(result: BinResult, name: string): DoctorJson['checks'][number] {
  const found = result.json<DoctorJson>().checks.find((c) => c.name === name);
  if (found === undefined)
    throw new Error(`doctor reported no ${name} check: ${result.stdout}${result.stderr}`);
  return found;
}

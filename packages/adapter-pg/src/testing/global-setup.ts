/**
 * vitest `globalSetup` of the `adapter-pg` project: one embedded Postgres per test run,
 * handed to test files through `inject('fedtrustPg')`. Each file then makes its own
 * database with {@link createTestDatabase}.
 *
 * @module @fedtrust/adapter-pg/testing
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import './provided-context.js';

/** Starts the server; the returned teardown stops it and removes its data directory. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startEmbeddedPostgres();
  try {
    project.provide('fedtrustPg', {
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}

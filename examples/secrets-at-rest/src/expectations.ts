/**
 * The assertions both database tests make of a dump, its files and the logs.
 *
 * @module @fedtrust/example-secrets-at-rest/expectations
 */
import { expect } from 'vitest';
import type { LogCapture } from './capture-logger.js';
import type { RunResult } from './full-run.js';
import { findLeaks, type Haystack, privateKeyMarkers } from './secrets.js';

/** Tables fedtrust's first migration creates (both adapters use the same names). */
export const FEDTRUST_TABLES = [
  'audit_events',
  'certificate_bindings',
  'enrollment_tokens',
  'grants',
  'peers',
  'pending_compensations',
  'provider_tokens',
  'sealed_records',
];

/** Every secret the run kept, by kind, so a run that collected nothing cannot pass. */
export function expectSecretsCollected(run: RunResult): void {
  const labels = run.secrets.labels();
  expect(labels).toEqual(
    expect.arrayContaining([
      'seal key k1',
      'seal key k2',
      'work TLS server key',
      'home client key',
      'sealed ca:work-ca:root',
      'sealed ca:work-ca:intermediate',
      'enrollment token (redeemed)',
      'enrollment token (never redeemed)',
      'enrollment token never issued (presented)',
      'provider token of provider-1 (minted)',
      'provider token of provider-2 (minted)',
      'provider token of provider-2 (self_heal)',
      'provider token never issued (presented)',
    ]),
  );
  expect(labels).toHaveLength(13);
}

/**
 * The dump really read the run's rows: each issued token's hash and 8-character prefix, both
 * serials, every sealed record id and envelope under `k2` are somewhere in it.
 */
export function expectDumpShowsTheRun(cells: readonly Haystack[], run: RunResult): void {
  const values = new Set(cells.map((cell) => cell.text));
  for (const value of [...run.facts.tokenHashes, ...run.facts.tokenPrefixes, ...run.facts.serials]) {
    expect(values.has(value), value).toBe(true);
  }
  for (const id of run.facts.sealedIds) expect(values.has(id), id).toBe(true);
  const envelopes = cells.filter((cell) => cell.text.startsWith('ftseal.v1.'));
  expect(envelopes).toHaveLength(run.facts.sealedIds.length);
  expect(envelopes.every((cell) => cell.text.startsWith('ftseal.v1.k2.'))).toBe(true);
}

/** No PEM private-key marker and no secret form anywhere in `haystacks`. */
export function expectNoSecrets(run: RunResult, haystacks: readonly Haystack[]): void {
  expect(privateKeyMarkers(haystacks)).toEqual([]);
  expect(findLeaks(run.secrets.list(), haystacks)).toEqual([]);
}

/** Every port logged something, and none of it is a secret. */
export function expectLogsClean(run: RunResult, logs: LogCapture, sources: string[]): void {
  const seen = new Set(logs.entries.map((entry) => entry.source));
  for (const source of sources) expect(seen.has(source), `nothing logged by ${source}`).toBe(true);
  expectNoSecrets(run, logs.haystacks());
}

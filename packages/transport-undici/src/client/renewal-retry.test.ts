/**
 * Renewal retries, on fake timers (no network: a CA port that always refuses). A failed
 * renewal is retried while the certificate is still valid; once it has expired nothing can
 * renew it (the peer refuses an expired certificate at TLS), so retrying stops — as it does
 * when the peer says the certificate was already renewed (`renewal_superseded`).
 */
import type { CertificateAuthority } from '@fedtrust/core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientKey, leaf } from '../test-support/pki.js';
import { certificateInfo } from './certificate-info.js';
import { createFederationClient } from './create-federation-client.js';
import { FederationClientError } from './federation-client-error.js';

let certificatePem = '';
let privateKeyPem = '';

beforeAll(async () => {
  const key = await clientKey();
  privateKeyPem = key.privateKeyPem;
  certificatePem = (await leaf(key, null, [])).certificatePem;
});

afterEach(() => {
  vi.useRealTimers();
});

function refusingCa(refusal: Error) {
  const calls: Date[] = [];
  const ca = {
    renew: () => {
      calls.push(new Date());
      return Promise.reject(refusal);
    },
  } as unknown as CertificateAuthority;
  return { ca, calls };
}

async function runFor(offsetMs: number, ms: number, refusal: Error = new Error('CA refuses')) {
  vi.useFakeTimers();
  const { notAfter } = certificateInfo(certificatePem);
  const { ca, calls } = refusingCa(refusal);
  const start = Date.now();
  const client = createFederationClient({
    peers: [
      {
        id: 'work',
        url: 'https://work.test:8443',
        rootsPem: [certificatePem],
        certificatePem,
        privateKey: privateKeyPem,
        renewal: { ca },
      },
    ],
    clock: { now: () => new Date(notAfter.getTime() + offsetMs + Date.now() - start) },
  });
  await vi.advanceTimersByTimeAsync(ms);
  await client.close();
  return calls.length;
}

describe('renewal retries', () => {
  it('keep trying while the certificate is valid', async () => {
    // Five minutes before expiry: past two thirds, so due at once, and retried.
    expect(await runFor(-5 * 60_000, 30_000)).toBeGreaterThan(1);
  });

  it('stop once the certificate has expired instead of retrying every second forever', async () => {
    expect(await runFor(60_000, 30_000)).toBe(1);
  });

  it('stop when the peer answers renewal_superseded: the certificate was renewed already and retrying cannot change that', async () => {
    const superseded = new FederationClientError('work', 403, 'renewal_superseded', 'renewed already');
    expect(await runFor(-5 * 60_000, 30_000, superseded)).toBe(1);
  });
});

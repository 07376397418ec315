/** Per-grant and per-address rate limits over real TLS. */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arraySource,
  type Enrolled,
  mtlsAgent,
  startGateway,
  type TestGateway,
} from '../test-support/gateway.js';
import { spend } from './rate-limit.js';

const SCOPE = { resources: ['notes'], max_rows_per_query: 5 };
const agents: Agent[] = [];
let gateway: TestGateway;

function agentFor(enrolled: Enrolled): Agent {
  const agent = mtlsAgent(
    gateway.rootsPem,
    enrolled.certificatePem,
    enrolled.chainPem,
    enrolled.key.privateKeyPem,
  );
  agents.push(agent);
  return agent;
}

async function list(agent: Agent) {
  const response = await request(`${gateway.url}/fedtrust/v1/list/notes`, {
    dispatcher: agent,
    method: 'POST',
    body: '{}',
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (await response.body.json()) as object,
  };
}

beforeAll(async () => {
  gateway = await startGateway({
    sources: { notes: arraySource([{ id: 1 }]) },
    rateLimit: { points: 3, durationSeconds: 60 },
  });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
});

describe('per-grant rate limit', () => {
  it('answers 429 rate_limited with Retry-After past the budget, and only for that grant', async () => {
    const first = agentFor(await gateway.enrol(SCOPE));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await list(first)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await list(first);
    expect(limited.body).toEqual({ error: 'rate_limited', reason: expect.any(String) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const audit = await gateway.store.tailAudit('federation', 1);
    expect(audit[0]?.event).toMatchObject({ outcome: 'deny', reason: 'rate_limited' });

    const other = agentFor(await gateway.enrol(SCOPE));
    expect((await list(other)).status).toBe(200);
  });
});

describe('per-address enrollment limit', () => {
  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const proxied = await startGateway({
      name: 'proxied',
      trustedProxies: ['127.0.0.1'],
      enrollRateLimit: { points: 10, durationSeconds: 60 },
    });
    const direct = await startGateway({
      name: 'direct',
      enrollRateLimit: { points: 10, durationSeconds: 60 },
    });
    try {
      const attempt = (gw: TestGateway, forwardedFor: string) =>
        gw.enrollRaw({ token: 'fte_unknown', csrPem: 'x' }, { 'x-forwarded-for': forwardedFor });
      const proxiedStatuses = [];
      for (let i = 0; i < 11; i++) proxiedStatuses.push((await attempt(proxied, '198.51.100.1')).status);
      expect(proxiedStatuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
      expect(proxiedStatuses[10]).toBe(429);
      expect((await attempt(proxied, '198.51.100.2')).status).not.toBe(429);

      // An IPv6 client draws on one budget for its whole /64, not one per address.
      const v6 = [];
      for (let i = 0; i < 11; i++) v6.push((await attempt(proxied, `2001:db8:7:7::${i + 1}`)).status);
      expect(v6.slice(0, 10).every((s) => s !== 429)).toBe(true);
      expect(v6[10]).toBe(429);

      const directStatuses = [];
      for (let i = 0; i < 11; i++)
        directStatuses.push((await attempt(direct, `198.51.100.${i + 10}`)).status);
      expect(directStatuses[10]).toBe(429);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });
});

describe('spend', () => {
  /** A limiter from another copy of rate-limiter-flexible (a host's own install): same shapes, other classes. */
  function foreignLimiter(rejection: unknown): RateLimiterAbstract {
    return { consume: () => Promise.reject(rejection) } as unknown as RateLimiterAbstract;
  }

  it("reads a limit from another copy's RateLimiterRes as a 429 with its Retry-After, not a limiter failure", async () => {
    const res = { msBeforeNext: 1_500, remainingPoints: 0, consumedPoints: 4, isFirstInDuration: false };
    expect(await spend(foreignLimiter(res), 'grant')).toEqual({
      ok: false,
      kind: 'limited',
      retryAfterSeconds: 2,
      msBeforeNext: 1_500,
    });
  });

  it('treats an error, or a rejection without a numeric msBeforeNext, as a limiter failure', async () => {
    const down = new Error('connection refused');
    expect(await spend(foreignLimiter(down), 'grant')).toEqual({ ok: false, kind: 'error', cause: down });
    const odd = { msBeforeNext: 'soon' };
    expect(await spend(foreignLimiter(odd), 'grant')).toMatchObject({ ok: false, kind: 'error' });
  });
});

/**
 * What is audited for clients without a usable certificate, over real TLS on 127.0.0.1: they
 * spend the per-address budget on every route, and of their `rate_limited` denies only the
 * first per address per window reaches the audit chain (the rest are counted). Denies of
 * certificate holders are all audited.
 */
import { localCa } from '@fedtrust/ca-local';
import type { AuditEvent, Logger } from '@fedtrust/core';
import { memoryStore } from '@fedtrust/core/testing';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '../telemetry/instruments.js';
import {
  arraySource,
  movableClock,
  mtlsAgent,
  startGateway,
  type TestGateway,
  testSealer,
} from '../test-support/gateway.js';

const SCOPE = { resources: ['notes'], max_rows_per_query: 5 };
const BUDGET = 3;

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
const warnings: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => warnings.push(message),
  error: () => undefined,
};

let gateway: TestGateway;
const agents: Agent[] = [];

beforeAll(async () => {
  gateway = await startGateway({
    meterProvider,
    logger,
    sources: { notes: arraySource([{ id: 'n1' }]) },
    rateLimit: { points: BUDGET, durationSeconds: 3600 },
    // Each test speaks for its own client address through the trusted proxy 127.0.0.1.
    trustedProxies: ['127.0.0.1'],
    enrollRateLimit: { points: BUDGET, durationSeconds: 3600 },
  });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
  await meterProvider.shutdown();
});

function anonymous(): Agent {
  const agent = new Agent({ connect: { ca: gateway.rootsPem } });
  agents.push(agent);
  return agent;
}

async function post(agent: Agent, path: string, from: string, body: unknown = {}): Promise<number> {
  const response = await request(`${gateway.url}/fedtrust/v1/${path}`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify(body),
  });
  await response.body.dump();
  return response.statusCode;
}

async function events(filter: (event: AuditEvent) => boolean): Promise<AuditEvent[]> {
  return (await gateway.store.listAudit('federation')).map((r) => r.event).filter(filter);
}

async function rateLimitedCount(verb: string): Promise<number> {
  await reader.forceFlush();
  const decisions = metricExporter
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === 'fedtrust.decisions');
  const point = decisions?.dataPoints.find(
    (p) => p.attributes[ATTR.verb] === verb && p.attributes[ATTR.reason] === 'rate_limited',
  );
  return (point?.value as number | undefined) ?? 0;
}

describe('requests without a client certificate', () => {
  it('spend the per-address budget on data routes; of 10 past it, exactly one rate_limited deny is audited and all are counted', async () => {
    const from = '198.51.100.20';
    const agent = anonymous();
    const before = warnings.length;
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET + 10; i++) statuses.push(await post(agent, 'list/notes', from));
    expect(statuses).toEqual([...Array(BUDGET).fill(401), ...Array(10).fill(429)]);
    const listed = await events((e) => e.verb === 'list' && e.grantId === null);
    expect(listed.map((e) => e.reason)).toEqual([...Array(BUDGET).fill('identity_missing'), 'rate_limited']);
    expect(await rateLimitedCount('list')).toBe(10);
    // The address's budget is one for every route: renew without a certificate is limited too, and not audited again.
    expect(await post(agent, 'renew', from, { csrPem: 'x' })).toBe(429);
    expect(await events((e) => e.verb === 'renew' && e.reason === 'rate_limited')).toEqual([]);
    expect(warnings.slice(before).filter((w) => w.includes('rate limited'))).toHaveLength(1);
  });

  it('/enroll: 10 attempts past the budget from one address leave exactly one rate_limited audit record', async () => {
    const from = '198.51.100.21';
    const agent = anonymous();
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET + 10; i++) {
      statuses.push(await post(agent, 'enroll', from, { token: 'fte_unknown', csrPem: 'x' }));
    }
    expect(statuses.slice(BUDGET)).toEqual(Array(10).fill(429));
    expect(statuses.slice(0, BUDGET).every((s) => s !== 429)).toBe(true);
    const limited = await events((e) => e.verb === 'enroll' && e.reason === 'rate_limited');
    expect(limited).toHaveLength(1);
    expect(await rateLimitedCount('enroll')).toBe(10);
  });

  it('each address gets its own first audited deny', async () => {
    const agent = anonymous();
    const before = (await events((e) => e.verb === 'get' && e.reason === 'rate_limited')).length;
    for (const from of ['198.51.100.30', '198.51.100.31']) {
      for (let i = 0; i < BUDGET + 3; i++) await post(agent, 'get/notes/n1', from);
    }
    const after = await events((e) => e.verb === 'get' && e.reason === 'rate_limited');
    expect(after.length - before).toBe(2);
  });
});

describe('requests with a certificate', () => {
  it('are all audited past the per-grant budget: 5 rate_limited denies, 5 records', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const agent = mtlsAgent(
      gateway.rootsPem,
      enrolled.certificatePem,
      enrolled.chainPem,
      enrolled.key.privateKeyPem,
    );
    agents.push(agent);
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET + 5; i++) statuses.push(await post(agent, 'list/notes', '198.51.100.40'));
    expect(statuses).toEqual([...Array(BUDGET).fill(200), ...Array(5).fill(429)]);
    const limited = await events((e) => e.grantId === enrolled.grant.id && e.reason === 'rate_limited');
    expect(limited).toHaveLength(5);
    expect(limited.every((e) => e.certSerial === enrolled.serial)).toBe(true);
  });
});

describe('the audited deny per window', () => {
  it('is the first one after the window the limiter names has passed', async () => {
    const clock = movableClock();
    // A limiter that is always spent, 60 s before its next window (a limit from any copy of the library).
    const exhausted = {
      consume: () =>
        Promise.reject({
          msBeforeNext: 60_000,
          remainingPoints: 0,
          consumedPoints: 4,
          isFirstInDuration: false,
        }),
    } as unknown as RateLimiterAbstract;
    const store = memoryStore();
    const ca = localCa({ store, sealer: testSealer(), name: 'ca-windows' });
    await using own = await startGateway({
      name: 'windows',
      clock,
      store,
      ca,
      enrollment: { ca, rateLimiter: exhausted },
    });
    const agent = new Agent({ connect: { ca: own.rootsPem } });
    agents.push(agent);
    const call = async () => {
      const response = await request(`${own.url}/fedtrust/v1/capabilities`, { dispatcher: agent });
      await response.body.dump();
      return response.statusCode;
    };
    const audited = async () =>
      (await own.store.listAudit('federation')).filter((r) => r.event.reason === 'rate_limited').length;
    expect([await call(), await call()]).toEqual([429, 429]);
    expect(await audited()).toBe(1);
    clock.advance(59_000);
    expect(await call()).toBe(429);
    expect(await audited()).toBe(1);
    clock.advance(1_001);
    expect([await call(), await call()]).toEqual([429, 429]);
    expect(await audited()).toBe(2);
  });
});

/**
 * With the OpenTelemetry SDK's in-memory exporters: an allowed and a denied request produce
 * server spans, decision counters and guard-time histograms with the documented attributes,
 * and client calls and fan-out produce their own spans — never carrying a token or key.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFederationClient, type FederationClient } from '../client/create-federation-client.js';
import { arraySource, type Enrolled, startGateway, type TestGateway } from '../test-support/gateway.js';
import { ATTR } from './instruments.js';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });

let gateway: TestGateway;
let enrolled: Enrolled;
let client: FederationClient;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  gateway = await startGateway({
    tracerProvider,
    meterProvider,
    sources: { notes: arraySource([{ id: 1 }, { id: 2 }]) },
  });
  enrolled = await gateway.enrol({
    resources: ['notes'],
    excluded_resources: ['secrets'],
    max_rows_per_query: 5,
  });
  client = createFederationClient({
    tracerProvider,
    peers: [
      {
        id: 'work',
        url: gateway.url,
        rootsPem: gateway.rootsPem,
        certificatePem: enrolled.certificatePem,
        chainPem: enrolled.chainPem,
        privateKey: enrolled.key.privateKeyPem,
      },
    ],
  });
});

afterAll(async () => {
  await client?.close();
  await gateway?.close();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  context.disable();
});

describe('OpenTelemetry', () => {
  it('records a span, a decision count and guard time for an allow and a deny', async () => {
    spans.reset();
    await client.peer('work').list('notes');
    await expect(client.peer('work').list('secrets')).rejects.toMatchObject({ reason: 'resource_excluded' });

    const server = spans.getFinishedSpans().filter((s) => s.name.startsWith('fedtrust.serve'));
    const allow = server.find((s) => s.attributes[ATTR.outcome] === 'allow');
    const deny = server.find((s) => s.attributes[ATTR.outcome] === 'deny');
    expect(allow?.attributes).toMatchObject({
      [ATTR.grantId]: enrolled.grant.id,
      [ATTR.verb]: 'list',
      [ATTR.resource]: 'notes',
      [ATTR.rowsOut]: 2,
      [ATTR.status]: 200,
    });
    expect(allow?.attributes[ATTR.reason]).toBeUndefined();
    expect(deny?.attributes).toMatchObject({
      [ATTR.grantId]: enrolled.grant.id,
      [ATTR.verb]: 'list',
      [ATTR.resource]: 'secrets',
      [ATTR.reason]: 'resource_excluded',
      [ATTR.status]: 403,
    });
    const everything = JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes));
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).not.toContain('fte_');

    const clientSpans = spans.getFinishedSpans().filter((s) => s.name === 'fedtrust.call list');
    expect(clientSpans.map((s) => s.attributes[ATTR.peer])).toEqual(['work', 'work']);
    expect(clientSpans.find((s) => s.attributes[ATTR.reason] === 'resource_excluded')).toBeDefined();

    await reader.forceFlush();
    const metrics = metricExporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((scope) => scope.metrics);
    const decisions = metrics?.find((m) => m.descriptor.name === 'fedtrust.decisions');
    const point = (outcome: string, reason?: string) =>
      decisions?.dataPoints.find(
        (p) =>
          p.attributes[ATTR.verb] === 'list' &&
          p.attributes[ATTR.outcome] === outcome &&
          p.attributes[ATTR.reason] === reason,
      )?.value;
    expect(point('allow')).toBe(1);
    expect(point('deny', 'resource_excluded')).toBe(1);
    const guardTime = metrics?.find((m) => m.descriptor.name === 'fedtrust.guard.duration');
    const histogram = guardTime?.dataPoints.reduce((n, p) => n + (p.value as { count: number }).count, 0);
    expect(histogram).toBe(2);
  });

  it('wraps a fan-out in a query span whose peer calls are its children', async () => {
    spans.reset();
    const result = await client.query({ source: 'all', verb: 'list', resource: 'notes' });
    expect(result.rows).toHaveLength(2);
    const finished = spans.getFinishedSpans();
    const query = finished.find((s) => s.name === 'fedtrust.query');
    const call = finished.find((s) => s.name === 'fedtrust.call list');
    expect(query?.attributes).toMatchObject({ [ATTR.partial]: false, [ATTR.rowsOut]: 2 });
    expect(call?.parentSpanContext?.spanId).toBe(query?.spanContext().spanId);
  });
});

/**
 * OpenTelemetry instruments. `@opentelemetry/api` is a peer dependency: until the host
 * registers an SDK (or passes providers) every instrument is a no-op. Attributes carry ids,
 * verbs, resources, outcomes and deny reasons — never a token, key or row.
 *
 * @module @fedtrust/transport-undici
 */
import {
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/** Instrumentation scope name every span and metric is reported under. */
export const INSTRUMENTATION_NAME = '@fedtrust/transport-undici';

/** Span attribute keys, stable across releases. */
export const ATTR = {
  grantId: 'fedtrust.grant_id',
  verb: 'fedtrust.verb',
  resource: 'fedtrust.resource',
  outcome: 'fedtrust.outcome',
  reason: 'fedtrust.deny_reason',
  rowsOut: 'fedtrust.rows_out',
  bytesOut: 'fedtrust.bytes_out',
  peer: 'fedtrust.peer',
  source: 'fedtrust.source',
  partial: 'fedtrust.partial',
  status: 'http.response.status_code',
} as const;

/** Where instruments come from; both default to the globally registered providers. */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export interface ServerInstruments {
  tracer: Tracer;
  /** `fedtrust.decisions`: one per decision, attributes `outcome` and `reason`. */
  decisions: Counter;
  /** `fedtrust.guard.duration`: milliseconds spent in core's guard. */
  guardDuration: Histogram;
}

export function serverInstruments(options: TelemetryOptions = {}): ServerInstruments {
  const tracer = (options.tracerProvider ?? trace).getTracer(INSTRUMENTATION_NAME);
  const meter = (options.meterProvider ?? metrics).getMeter(INSTRUMENTATION_NAME);
  return {
    tracer,
    decisions: meter.createCounter('fedtrust.decisions', {
      description: 'Federation requests decided, by outcome and deny reason.',
    }),
    guardDuration: meter.createHistogram('fedtrust.guard.duration', {
      description: 'Time spent deciding a federation request in the guard.',
      unit: 'ms',
    }),
  };
}

export function clientTracer(options: TelemetryOptions = {}): Tracer {
  return (options.tracerProvider ?? trace).getTracer(INSTRUMENTATION_NAME);
}

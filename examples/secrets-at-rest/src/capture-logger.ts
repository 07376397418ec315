/**
 * Loggers that keep every entry, so a test can scan what fedtrust logged for secrets.
 *
 * @module @fedtrust/example-secrets-at-rest/capture-logger
 */
import { Buffer } from 'node:buffer';
import type { AdmissionEventSink, Logger } from '@fedtrust/core';
import type { Haystack } from './secrets.js';

export interface LogEntry {
  /** Which port logged it: `store`, `server`, `client`, `admission`, `postgres`. */
  source: string;
  level: string;
  message: string;
  fields: unknown;
}

/**
 * Every string inside a logged value, as written — not JSON-escaped, so a PEM's newlines stay
 * newlines and a needle matches. Errors give their name, message, stack, cause and own fields.
 */
function strings(value: unknown, out: string[], seen: Set<object>): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    out.push(value);
    return;
  }
  if (typeof value !== 'object') {
    out.push(String(value));
    return;
  }
  if (seen.has(value)) return;
  seen.add(value);
  if (value instanceof Date) {
    out.push(value.toISOString());
    return;
  }
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    out.push(bytes.toString('hex'), bytes.toString('base64'), bytes.toString('utf8'));
    return;
  }
  if (value instanceof Error) {
    out.push(value.name, value.message, value.stack ?? '');
    strings(value.cause, out, seen);
  }
  for (const key of Object.keys(value)) {
    out.push(key);
    strings((value as Record<string, unknown>)[key], out, seen);
  }
}

/** Collects the entries of several loggers and event sinks. */
export class LogCapture {
  readonly entries: LogEntry[] = [];

  /** A `Logger` port whose entries are kept under `source`. */
  logger(source: string): Logger {
    const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      this.entries.push({ source, level, message, fields });
    };
    return { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
  }

  /** An admission event sink whose events are kept under `source`. */
  admissionSink(source: string): AdmissionEventSink {
    return (event) => {
      this.entries.push({ source, level: 'event', message: event.kind, fields: event });
    };
  }

  /** A plain line sink (e.g. the Postgres server's own log). */
  lines(source: string): (line: string) => void {
    return (line) => {
      this.entries.push({ source, level: 'line', message: line, fields: undefined });
    };
  }

  /** One haystack per entry: its message and every string in its fields. */
  haystacks(): Haystack[] {
    return this.entries.map((entry, index) => {
      const out = [entry.message];
      strings(entry.fields, out, new Set());
      return {
        where: `log #${index} ${entry.source}.${entry.level} "${entry.message}"`,
        text: out.join('\n'),
      };
    });
  }
}

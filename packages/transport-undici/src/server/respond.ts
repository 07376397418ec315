/**
 * Writing JSON answers. Every non-2xx body is exactly `{ error, reason }`.
 *
 * @module @fedtrust/transport-undici
 */
import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '../types.js';

/** Writes `body` as JSON and returns the number of body bytes sent (for the audit record). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.byteLength),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
  return payload.byteLength;
}

/** Writes a deny/error body; the shape never carries anything beyond the code and a sentence. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  reason: string,
  headers: Record<string, string> = {},
): number {
  const body: ErrorBody = { error, reason };
  return sendJson(res, status, body, headers);
}

/**
 * Reading a bounded JSON request body.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage } from 'node:http';
import { FedtrustError } from '@fedtrust/core';

/** Default cap on a request body: requests carry a token and a CSR or a search query, never bulk data. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads and parses the body as JSON. An empty body is `{}`. Throws `FedtrustError`
 * `body_too_large` (413) past `maxBytes` and `body_invalid` (400) for anything that is not
 * a JSON object.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.byteLength;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(buffer);
  }
  if (total === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (cause) {
    throw new FedtrustError('body_invalid', 'The request body is not valid JSON.', {
      status: 400,
      cause,
      remediation: 'Send a JSON object body with content-type application/json.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FedtrustError('body_invalid', 'The request body must be a JSON object.', {
      status: 400,
      remediation: 'Send a JSON object body with content-type application/json.',
    });
  }
  return parsed as Record<string, unknown>;
}

function tooLarge(maxBytes: number): FedtrustError {
  return new FedtrustError('body_too_large', `The request body exceeds ${maxBytes} bytes.`, {
    status: 413,
    remediation: 'Send a smaller request body.',
  });
}

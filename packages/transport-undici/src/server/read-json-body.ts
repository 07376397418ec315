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
 * `body_too_large` (413) past `maxBytes` (and stops reading: the request is destroyed, as
 * before) and `body_invalid` (400) for anything that is not a JSON object; rejects with the
 * stream's error, or a premature-close error, when the request ends before its body does.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  if (req.readableEnded) return Promise.resolve({});
  if (req.destroyed) return Promise.reject(prematureClose());
  // Plain listeners, not `for await`: the async iterator and its end-of-stream watcher cost
  // more than the rest of reading a small body, on every request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (error: unknown, body?: Record<string, unknown>) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error === null) resolve(body as Record<string, unknown>);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        settle(tooLarge(maxBytes));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        settle(null, parse(chunks, total));
      } catch (error) {
        settle(error);
      }
    };
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(prematureClose());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parse(chunks: Buffer[], total: number): Record<string, unknown> {
  if (total === 0) return {};
  const text =
    chunks.length === 1
      ? (chunks[0] as Buffer).toString('utf8')
      : Buffer.concat(chunks, total).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
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

function prematureClose(): Error {
  return Object.assign(new Error('The request closed before its body was read.'), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}

function tooLarge(maxBytes: number): FedtrustError {
  return new FedtrustError('body_too_large', `The request body exceeds ${maxBytes} bytes.`, {
    status: 413,
    remediation: 'Send a smaller request body.',
  });
}

/**
 * One JSON round trip to step-ca over a pinned-root dispatcher, and the mapping of its
 * refusals onto typed errors.
 *
 * @module @fedtrust/ca-stepca
 */
import type { Clock } from '@fedtrust/core';
import { CaError } from '@fedtrust/core';
import { type Dispatcher, request } from 'undici';
import { StepCaError } from '../errors.js';

/** What every call needs: where the CA is, how to reach it, and whose clock to compare with. */
export interface CaConnection {
  /** Base URL without a trailing slash, e.g. `https://ca.internal:9000`. */
  url: string;
  dispatcher: Dispatcher;
  clock: Clock;
  timeoutMs: number;
}

/** A parsed step-ca answer. `date` is the CA's `Date` header, for clock-skew diagnosis. */
export interface CaResponse {
  status: number;
  body: unknown;
  date: Date | null;
}

/** step-ca accepts tokens up to one minute outside their validity window. */
const TOKEN_LEEWAY_MS = 60_000;

/**
 * Sends one request and parses the JSON answer, whatever its status. Anything that keeps a
 * step-ca JSON answer from arriving (refused connection, TLS failure against the pinned
 * root, timeout, a body that is not JSON) is `ca_unreachable`.
 */
export async function caRequest(
  connection: CaConnection,
  method: 'GET' | 'POST',
  path: string,
  options: { json?: unknown; dispatcher?: Dispatcher } = {},
): Promise<CaResponse> {
  const target = `${connection.url}${path}`;
  let status: number;
  let text: string;
  let dateHeader: string | string[] | undefined;
  try {
    const response = await request(target, {
      method,
      dispatcher: options.dispatcher ?? connection.dispatcher,
      signal: AbortSignal.timeout(connection.timeoutMs),
      ...(options.json === undefined
        ? {}
        : { body: JSON.stringify(options.json), headers: { 'content-type': 'application/json' } }),
    });
    status = response.statusCode;
    dateHeader = response.headers['date'];
    text = await response.body.text();
  } catch (error) {
    throw new StepCaError(
      'ca_unreachable',
      `step-ca at ${connection.url} could not be reached (${describe(error)})`,
      {
        cause: error,
        details: { url: connection.url, path },
      },
    );
  }
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch (error) {
    throw new StepCaError(
      'ca_unreachable',
      `${method} ${path} answered ${status} with a body that is not JSON`,
      {
        cause: error,
        details: { url: connection.url, path, status },
      },
    );
  }
  const date = typeof dateHeader === 'string' ? new Date(dateHeader) : null;
  return { status, body, date: date && !Number.isNaN(date.getTime()) ? date : null };
}

/** The `message` step-ca puts in its error bodies, or a placeholder. */
export function caMessage(response: CaResponse): string {
  const body = response.body as { message?: unknown } | null;
  return typeof body?.message === 'string' ? body.message : `HTTP ${response.status}`;
}

/** Milliseconds by which the CA's clock is ahead of ours (negative when behind), when known. */
export function clockSkewMs(response: CaResponse, clock: Clock): number | null {
  return response.date === null ? null : response.date.getTime() - clock.now().getTime();
}

/**
 * The typed error for a token-authorised call (`/1.0/sign`, `/1.0/revoke`) step-ca refused.
 * A 401 means the token was rejected: when the CA's clock is beyond the token leeway from
 * ours that is `ca_clock_skew`, otherwise the provisioner credentials are wrong. Refusals
 * whose message names the cause map to core's shared codes; the rest are
 * `ca_policy_refused`, carrying the CA's message.
 */
export function refusal(response: CaResponse, connection: CaConnection, operation: string): Error {
  const message = caMessage(response);
  const details = { caStatus: response.status, caMessage: message, operation };
  if (response.status === 401) {
    const skew = clockSkewMs(response, connection.clock);
    // Second resolution of the Date header: keep a margin below the CA's leeway.
    if (skew !== null && Math.abs(skew) >= TOKEN_LEEWAY_MS - 5_000) {
      return new StepCaError(
        'ca_clock_skew',
        `step-ca refused the ${operation} token and its clock is ${Math.round(skew / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} ours`,
        { details: { ...details, skewSeconds: Math.round(skew / 1000) } },
      );
    }
    return new StepCaError(
      'ca_bad_credentials',
      `step-ca refused the ${operation} token: the provisioner name, key or password does not match the CA's`,
      { details },
    );
  }
  if (/authorized (minimum|maximum) certificate duration/.test(message)) {
    return new CaError('ca_lifetime_out_of_bounds', `step-ca refused the lifetime: ${message}`, { details });
  }
  if (/does not contain the valid (common name|DNS names|IP addresses|email addresses|URIs)/.test(message)) {
    return new CaError('ca_csr_mismatch', `step-ca refused the CSR names: ${message}`, { details });
  }
  if (/invalid csr|invalid certificate request/i.test(message)) {
    return new CaError('ca_csr_invalid', `step-ca refused the CSR: ${message}`, { details });
  }
  return new StepCaError('ca_policy_refused', `step-ca refused ${operation}: ${message}`, { details });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

import { CA_ERRORS, CaError } from '@fedtrust/core';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StepCaError } from '../errors.js';
import { type CaConnection, caRequest, refusal } from './ca-request.js';

const URL_ = 'https://ca.test:9000';
const NOW = new Date('2026-03-01T12:00:00Z');
let agent: MockAgent;
let connection: CaConnection;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  connection = { url: URL_, dispatcher: agent, clock: { now: () => NOW }, timeoutMs: 1_000 };
});
afterEach(async () => {
  await agent.close();
});

function reply(status: number, body: unknown, date: Date = NOW) {
  agent
    .get(URL_)
    .intercept({ path: '/1.0/sign', method: 'POST' })
    .reply(status, typeof body === 'string' ? body : JSON.stringify(body), {
      headers: { date: date.toUTCString(), 'content-type': 'application/json' },
    });
}

describe('caRequest', () => {
  it('a body that is not JSON is ca_unreachable (something else answers at that URL)', async () => {
    reply(200, '<html>proxy</html>');
    const error = await caRequest(connection, 'POST', '/1.0/sign', { json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepCaError);
    expect((error as StepCaError).code).toBe('ca_unreachable');
  });

  it("a refused connection is ca_unreachable, a CaError with core's status (one code list for every CA)", async () => {
    const error = await caRequest(connection, 'GET', '/health').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaError);
    expect((error as StepCaError).code).toBe('ca_unreachable');
    expect((error as StepCaError).status).toBe(CA_ERRORS.ca_unreachable.status);
    expect((error as StepCaError).caMessage).toBeUndefined();
  });

  it('returns status, JSON body and the CA Date header', async () => {
    reply(201, { crt: 'x' });
    const response = await caRequest(connection, 'POST', '/1.0/sign', { json: {} });
    expect(response).toEqual({ status: 201, body: { crt: 'x' }, date: NOW });
  });
});

describe('refusal', () => {
  const unauthorized = {
    status: 401,
    message: 'The request lacked necessary authorization to be completed.',
  };

  it('a 401 with clocks in step is ca_bad_credentials', async () => {
    reply(401, unauthorized, new Date(NOW.getTime() + 20_000));
    const error = refusal(await caRequest(connection, 'POST', '/1.0/sign', { json: {} }), connection, 'sign');
    expect((error as StepCaError).code).toBe('ca_bad_credentials');
  });

  it('a 401 with the CA clock two minutes ahead is ca_clock_skew with the measured skew', async () => {
    reply(401, unauthorized, new Date(NOW.getTime() + 120_000));
    const error = refusal(await caRequest(connection, 'POST', '/1.0/sign', { json: {} }), connection, 'sign');
    expect((error as StepCaError).code).toBe('ca_clock_skew');
    expect((error as StepCaError).details?.['skewSeconds']).toBe(120);
  });

  it('a 403 naming the duration bounds is ca_lifetime_out_of_bounds', async () => {
    reply(403, {
      status: 403,
      message:
        'The request was forbidden by the certificate authority: requested duration of 48h1m0s is more than the authorized maximum certificate duration of 24h1m0s.',
    });
    const error = refusal(await caRequest(connection, 'POST', '/1.0/sign', { json: {} }), connection, 'sign');
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).code).toBe('ca_lifetime_out_of_bounds');
  });

  it('any other refusal is ca_policy_refused carrying the CA message', async () => {
    reply(403, {
      status: 403,
      message: 'The request was forbidden by the certificate authority: policy says no.',
    });
    const error = refusal(await caRequest(connection, 'POST', '/1.0/sign', { json: {} }), connection, 'sign');
    expect(error).toBeInstanceOf(CaError);
    expect((error as StepCaError).code).toBe('ca_policy_refused');
    expect((error as StepCaError).status).toBe(CA_ERRORS.ca_policy_refused.status);
    expect((error as StepCaError).caMessage).toContain('policy says no');
    expect((error as StepCaError).details?.['caMessage']).toContain('policy says no');
    expect(error.message).toContain('policy says no');
  });
});

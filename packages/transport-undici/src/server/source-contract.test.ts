/**
 * A resource source that breaks its contract, over real mTLS: `get` answering an array,
 * `list` answering rows that are arrays or primitives. The row cap counts top-level rows, so
 * a row that is itself a list of records would carry them past the cap; such answers fail
 * closed (503, no rows) and are audited as such.
 */
import { DENY_REMEDIATION } from '@fedtrust/core';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtlsAgent, startGateway, type TestGateway } from '../test-support/gateway.js';
import type { ResourceSource, Row } from '../types.js';

const RECORDS = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];

const nested: ResourceSource = {
  list: () => [RECORDS as unknown as Row],
  get: () => RECORDS as unknown as Row,
  search: () => ['a', 'b'] as unknown as Row[],
};

let gateway: TestGateway;
let agent: Agent;
let grantId = '';

beforeAll(async () => {
  gateway = await startGateway({ sources: { notes: nested } });
  const enrolled = await gateway.enrol({ resources: ['notes'], max_rows_per_query: 1 });
  grantId = enrolled.grant.id;
  agent = mtlsAgent(gateway.rootsPem, enrolled.certificatePem, enrolled.chainPem, enrolled.key.privateKeyPem);
});

afterAll(async () => {
  await agent?.close();
  await gateway?.close();
});

async function post(path: string, body: unknown) {
  const response = await request(`${gateway.url}${path}`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('a source answering outside its contract', () => {
  it.each([
    ['get answering an array of records', '/fedtrust/v1/get/notes/a', {}],
    ['list answering a row that is an array of records', '/fedtrust/v1/list/notes', {}],
    ['search answering rows that are not objects', '/fedtrust/v1/search/notes', { query: 'a' }],
  ])('%s fails closed with no rows', async (_name, path, body) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text)).toEqual({
      error: 'decision_failed',
      reason: DENY_REMEDIATION.decision_failed,
    });
    const [last] = await gateway.store.tailAudit('federation', 1);
    expect(last?.event).toMatchObject({ grantId, outcome: 'deny', reason: 'decision_failed', rowsOut: 0 });
  });
});

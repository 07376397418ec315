/**
 * Over real TLS on 127.0.0.1: a server given the host's current catalogue (`catalogue`)
 * denies what the host withdrew after the grant was made, and audits the deny.
 */
import { defineResources } from '@fedtrust/core';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arraySource,
  type Enrolled,
  mtlsAgent,
  startGateway,
  type TestGateway,
} from '../test-support/gateway.js';

/** The catalogue now: `files` withdrawn, `tasks` declared sensitive (the grant was made under the fixture's). */
const CURRENT = defineResources({ notes: {}, tasks: { sensitive: true }, secrets: {} });
const ROWS = [{ id: 'r1', title: 'one' }];

let gateway: TestGateway;
let enrolled: Enrolled;
let agent: Agent;

async function list(resource: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${gateway.url}/fedtrust/v1/list/${resource}`, {
    dispatcher: agent,
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  gateway = await startGateway({
    catalogue: CURRENT,
    sources: { notes: arraySource(ROWS), tasks: arraySource(ROWS), files: arraySource(ROWS) },
  });
  enrolled = await gateway.enrol({ resources: ['notes', 'tasks', 'files'], max_rows_per_query: 5 });
  agent = mtlsAgent(gateway.rootsPem, enrolled.certificatePem, enrolled.chainPem, enrolled.key.privateKeyPem);
});

afterAll(async () => {
  await agent?.close();
  await gateway?.close();
});

describe('server with the host catalogue', () => {
  it('still serves a granted resource the catalogue keeps as it was', async () => {
    const answer = await list('notes');
    expect(answer.status).toBe(200);
    expect(answer.body['rows']).toEqual([{ ...ROWS[0], _source: gateway.name }]);
  });

  it('denies 403 resource_not_granted for a resource withdrawn from the catalogue, and for one made sensitive without approval', async () => {
    for (const resource of ['files', 'tasks']) {
      const answer = await list(resource);
      expect(answer.status).toBe(403);
      expect(answer.body['error']).toBe('resource_not_granted');
    }
    const audited = await gateway.store.tailAudit('federation', 2);
    expect(audited.map((r) => [r.event.resource, r.event.outcome, r.event.reason])).toEqual([
      ['files', 'deny', 'resource_not_granted'],
      ['tasks', 'deny', 'resource_not_granted'],
    ]);
  });
});

/**
 * The README's first example, run as written over real mTLS on 127.0.0.1: gateway work (a
 * memory store, a local CA, one `notes` source) and gateway home, enrolled at work through
 * core's enrollPeer. Compared with the README's code block so the two cannot drift.
 */
import 'reflect-metadata';
import { createServer } from 'node:net';
import { localCa } from '@fedtrust/ca-local';
import {
  createGrant,
  createSealer,
  defineResources,
  enrollPeer,
  type HostAuthorizer,
  type IssuedCertificate,
  issueEnrollmentToken,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { makeCsr, memoryStore } from '@fedtrust/core/testing';
import { createFederationClient, createFederationServer } from '@fedtrust/transport-undici';
import { describe, expect, it } from 'vitest';
import { expectReadmeExample } from '../../../test-support/readme-example.js';
import type { ResourceSource } from './types.js';

const SUBJECT = '3f6c1b9e-8d2a-4c1e-9b7a-2d4e6f8a0b1c';

/** A port free a moment ago: the example names the port it listens on before anyone dials it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

const sealerOf = () =>
  createSealer({ keys: { k1: systemRandom.bytes(32) }, currentKeyId: 'k1', random: systemRandom });

describe('README', () => {
  it('the first example serves work over mTLS and home lists its notes through the fan-out', async () => {
    // Gateway work: its store, CA, host RBAC, one source and a server certificate.
    const store = memoryStore();
    const ca = localCa({ store, sealer: sealerOf() });
    const authorize: HostAuthorizer = ({ subjectUserId }) => subjectUserId === SUBJECT;
    const notes: ResourceSource = {
      list: () => [{ id: 'n-1', text: 'agenda' }],
      get: () => null,
      search: () => [],
    };
    const serverTls = await ca.serverCertificate({ hostnames: ['127.0.0.1'] });
    const serverCertificatePem = serverTls.certificatePem;
    const serverChainPem = serverTls.chainPem;
    const serverKeyPem = serverTls.privateKeyPem;
    const host = '127.0.0.1';
    const port = await freePort();

    // Gateway home: enrolled at work for a grant on `notes`, its key sealed at rest.
    const deps = { store, clock: systemClock, random: systemRandom };
    const { grant } = await createGrant(
      {
        tenantId: 'acme',
        peerName: 'home-gateway',
        subjectUserId: SUBJECT,
        scope: { resources: ['notes'], max_rows_per_query: 50 },
      },
      {
        ...deps,
        directory: { userBelongsToTenant: async () => true },
        catalogue: defineResources({ notes: {} }),
      },
    );
    const { token } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    const { csrPem, privateKeyPem } = await makeCsr('home-gateway');
    const enrolled = await enrollPeer({ token, csrPem }, { ...deps, ca });
    const sealer = sealerOf();
    const envelope = await sealer.seal(new TextEncoder().encode(privateKeyPem), 'client-key:work');
    const workUrl = `https://127.0.0.1:${port}`;
    const workRootsPem = await ca.roots();
    const saved: IssuedCertificate[] = [];
    const saveCertificate = (_peer: string, issued: IssuedCertificate) => {
      saved.push(issued);
    };

    // example:start
    // work: serve `notes` to enrolled peers; core's guard decides every request.
    const server = createFederationServer({
      gatewayName: 'work',
      store,
      authorize,
      sources: { notes },
      enrollment: { ca },
      tls: {
        certificatePem: serverCertificatePem,
        chainPem: serverChainPem, // the intermediates: peers pin only the root
        keyPem: serverKeyPem,
        clientRootsPem: await ca.roots(),
      },
    });
    await server.listen(port, host); // e.g. 8443, '0.0.0.0'

    // home: one mTLS client for every peer; `query` fans out and survives a peer being down.
    const client = createFederationClient({
      peers: [
        {
          id: 'work',
          url: workUrl, // e.g. 'https://work.example:8443'
          rootsPem: workRootsPem,
          certificatePem: enrolled.certificatePem,
          chainPem: enrolled.chainPem,
          privateKey: { envelope, context: 'client-key:work' }, // home's key, sealed by `sealer`
          renewal: { onRenewed: (issued) => saveCertificate('work', issued) },
        },
      ],
      sealer,
    });
    const { rows, _partial, errors } = await client.query({ source: 'all', verb: 'list', resource: 'notes' });
    // example:end

    try {
      expect(rows).toEqual([{ id: 'n-1', text: 'agenda', _source: 'work' }]);
      expect(_partial).toBe(false);
      expect(errors).toEqual([]);
      expect(saved).toEqual([]);
      // Work decided and recorded the request before answering.
      const [record] = await store.tailAudit('federation', 1);
      expect(record?.event).toMatchObject({
        grantId: grant.id,
        subject: SUBJECT,
        certSerial: enrolled.serial,
        verb: 'list',
        resource: 'notes',
        outcome: 'allow',
        rowsOut: 1,
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('is the code this test runs', () => {
    expectReadmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  });
});

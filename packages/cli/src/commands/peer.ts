/**
 * `fedtrust peer list|suspend|resume|revoke`.
 *
 * @module @fedtrust/cli
 */
import {
  type CertificateRevocations,
  type LifecycleDeps,
  type Peer,
  type PeerStatus,
  resumePeer,
  revokePeer,
  suspendPeer,
} from '@fedtrust/core';
import { type Command, Option } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { revocationCa } from '../compose/revocation-ca.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT } from '../output/exit-codes.js';
import { table } from '../output/table.js';
import { CERTIFICATES_JSON, certificateReport } from './certificate-revocations.js';
import { peerJson } from './records.js';

const PEER_JSON = '{ id, name, tenantId, status, createdAt, updatedAt }';

/** One peer operation: the moved peer and, for `revoke`, what became of its certificates at the CA. */
interface PeerOperation {
  description: string;
  done: string;
  json: string;
  run(
    id: string,
    deps: LifecycleDeps,
    rt: Runtime,
  ): Promise<{ peer: Peer; certificates?: CertificateRevocations | null }>;
}

const OPERATIONS: Record<'suspend' | 'resume' | 'revoke', PeerOperation> = {
  suspend: {
    run: async (id, deps) => ({ peer: await suspendPeer(id, deps) }),
    description: 'Suspend an active peer; the guard denies peer_suspended from the next request on.',
    done: 'Suspended',
    json: `{ peer: ${PEER_JSON} }`,
  },
  resume: {
    run: async (id, deps) => ({ peer: await resumePeer(id, deps) }),
    description: 'Resume a suspended peer.',
    done: 'Resumed',
    json: `{ peer: ${PEER_JSON} }`,
  },
  revoke: {
    run: (id, deps, rt) => revokePeer(id, { ...deps, ca: revocationCa(rt), random: rt.random }),
    description:
      'Revoke a peer for good; the guard denies peer_revoked from the next request on. Then revoke its unexpired certificates at the CA (--ca); exits 1 when any is left pending there.',
    done: 'Revoked',
    json: `{ peer: ${PEER_JSON}, certificates: ${CERTIFICATES_JSON} }`,
  },
};

export function registerPeer(program: Command, ctx: CommandContext): void {
  const peer = program.command('peer').description('List, suspend, resume and revoke peers.');
  jsonShape(
    peer
      .command('list')
      .description('List peers.')
      .option('--tenant <id>', 'only peers of this tenant')
      .addOption(
        new Option('--status <status>', 'only peers with this status').choices([
          'pending',
          'active',
          'suspended',
          'revoked',
        ]),
      )
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => list(rt, this.opts()));
      }),
    `{ peers: [${PEER_JSON}] }`,
  );
  for (const [name, operation] of Object.entries(OPERATIONS)) {
    jsonShape(
      peer
        .command(name)
        .description(operation.description)
        .argument('<id>', 'peer id')
        .action(async function (this: Command, id: string) {
          await ctx.run(this, async (rt): Promise<CommandResult> => {
            const { store } = await rt.store();
            const { peer: moved, certificates } = await operation.run(id, { store, clock: rt.clock }, rt);
            const text = `${operation.done} peer ${moved.name} (${moved.id}); status ${moved.status}.\n`;
            if (certificates === undefined) {
              return { json: { peer: peerJson(moved) }, text, exitCode: EXIT.ok };
            }
            const report = certificateReport(certificates);
            return {
              json: { peer: peerJson(moved), certificates },
              text: text + report.text,
              exitCode: report.exitCode,
            };
          });
        }),
      operation.json,
    );
  }
}

async function list(rt: Runtime, opts: { tenant?: string; status?: PeerStatus }): Promise<CommandResult> {
  const { store } = await rt.store();
  const peers = (
    await store.listPeers({
      ...(opts.tenant === undefined ? {} : { tenantId: opts.tenant }),
      ...(opts.status === undefined ? {} : { status: opts.status }),
    })
  ).map(peerJson);
  return {
    json: { peers },
    text: table(
      ['id', 'name', 'tenant', 'status', 'updated'],
      peers.map((p) => [p.id, p.name, p.tenantId, p.status, p.updatedAt]),
      '(no peers)',
    ),
    exitCode: EXIT.ok,
  };
}

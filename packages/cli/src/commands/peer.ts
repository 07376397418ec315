/**
 * `fedtrust peer list|suspend|resume|revoke`.
 *
 * @module @fedtrust/cli
 */
import { type PeerStatus, resumePeer, revokePeer, suspendPeer } from '@fedtrust/core';
import { type Command, Option } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT } from '../output/exit-codes.js';
import { table } from '../output/table.js';
import { peerJson } from './records.js';

const PEER_JSON = '{ id, name, tenantId, status, createdAt, updatedAt }';

const OPERATIONS = {
  suspend: {
    run: suspendPeer,
    description: 'Suspend an active peer; the guard denies peer_suspended from the next request on.',
    done: 'Suspended',
  },
  resume: { run: resumePeer, description: 'Resume a suspended peer.', done: 'Resumed' },
  revoke: {
    run: revokePeer,
    description: 'Revoke a peer for good; the guard denies peer_revoked from the next request on.',
    done: 'Revoked',
  },
} as const;

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
            const moved = await operation.run(id, { store, clock: rt.clock });
            return {
              json: { peer: peerJson(moved) },
              text: `${operation.done} peer ${moved.name} (${moved.id}); status ${moved.status}.\n`,
              exitCode: EXIT.ok,
            };
          });
        }),
      `{ peer: ${PEER_JSON} }`,
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

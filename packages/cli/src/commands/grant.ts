/**
 * `fedtrust grant create|list|show|revoke`.
 *
 * @module @fedtrust/cli
 */
import {
  createGrant,
  GrantNotFoundError,
  type Peer,
  revokeGrant,
  type StoredGrantStatus,
} from '@fedtrust/core';
import { type Command, Option } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { hostDirectory } from '../compose/host-file.js';
import { parseDuration } from '../compose/parse-duration.js';
import { readJsonFile } from '../compose/read-file.js';
import { revocationCa } from '../compose/revocation-ca.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT } from '../output/exit-codes.js';
import { fields, table } from '../output/table.js';
import { CERTIFICATES_JSON, certificateReport } from './certificate-revocations.js';
import { certificateJson, grantJson, peerJson } from './records.js';

const GRANT_JSON =
  '{ id, tenantId, peerId, peerName, subjectUserId, status, effectiveStatus, createdAt, activatedAt, revokedAt, expiresAt, scope }';

export function registerGrant(program: Command, ctx: CommandContext): void {
  const grant = program.command('grant').description('Create, list, show and revoke grants.');

  jsonShape(
    grant
      .command('create')
      .description(
        'Create a pending grant and its pending peer; the scope is validated against the host file.',
      )
      .requiredOption('--peer <name>', "the peer's certificate common name")
      .requiredOption(
        '--scope <file>',
        'JSON scope document (resources, excluded_resources, filters, max_rows_per_query, verbs, approved_sensitive)',
      )
      .requiredOption('--tenant <id>', 'tenant the grant belongs to')
      .requiredOption('--subject <uuid>', 'user the peer reads as (lower-case UUID)')
      .option('--expires <duration>', 'expire the grant after this long (e.g. 30d); default never')
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => create(rt, this.opts()));
      }),
    `{ grant: ${GRANT_JSON}, peer: { id, name, tenantId, status, createdAt, updatedAt }, tenantChecked }`,
  );

  jsonShape(
    grant
      .command('list')
      .description('List grants, newest first.')
      .option('--tenant <id>', 'only grants of this tenant')
      .addOption(
        new Option('--status <status>', 'only grants with this stored status').choices([
          'pending',
          'active',
          'revoked',
        ]),
      )
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => list(rt, this.opts()));
      }),
    `{ grants: [${GRANT_JSON}] }`,
  );

  jsonShape(
    grant
      .command('show')
      .description('Show one grant with its peer, scope and bound certificates.')
      .argument('<id>', 'grant id')
      .action(async function (this: Command, id: string) {
        await ctx.run(this, (rt) => show(rt, id));
      }),
    `{ grant: ${GRANT_JSON}, peer: {…} | null, certificates: [{ serial, peerId, grantId, notBefore, notAfter, revokedAt }] }`,
  );

  jsonShape(
    grant
      .command('revoke')
      .description(
        "Revoke a grant; the guard denies grant_revoked from the next request on. Then revoke its peer's unexpired certificates at the CA (--ca); exits 1 when any is left pending there.",
      )
      .argument('<id>', 'grant id')
      .action(async function (this: Command, id: string) {
        await ctx.run(this, (rt) => revoke(rt, id));
      }),
    `{ grant: ${GRANT_JSON}, certificates: ${CERTIFICATES_JSON} }`,
  );
}

async function create(
  rt: Runtime,
  opts: { peer: string; scope: string; tenant: string; subject: string; expires?: string },
): Promise<CommandResult> {
  const host = rt.host();
  const scope = readJsonFile(opts.scope, rt.io.cwd, '--scope');
  const now = rt.clock.now();
  const expiresAt =
    opts.expires === undefined
      ? null
      : new Date(now.getTime() + parseDuration(opts.expires, '--expires') * 1000);
  const { store } = await rt.store();
  const { grant, peer } = await createGrant(
    { tenantId: opts.tenant, peerName: opts.peer, subjectUserId: opts.subject, scope, expiresAt },
    { store, directory: hostDirectory(host), catalogue: host.catalogue, clock: rt.clock, random: rt.random },
  );
  const json = {
    grant: grantJson(grant, peer, now),
    peer: peerJson(peer),
    tenantChecked: host.tenants !== null,
  };
  const text =
    `Created grant ${grant.id} (pending) for peer ${peer.name} (${peer.id}).\n` +
    (host.tenants === null ? 'Tenant membership was not checked: the host file has no "tenants".\n' : '') +
    `Next: fedtrust enroll-token issue --grant ${grant.id}\n`;
  return { json, text, exitCode: EXIT.ok };
}

async function list(
  rt: Runtime,
  opts: { tenant?: string; status?: StoredGrantStatus },
): Promise<CommandResult> {
  const { store } = await rt.store();
  const now = rt.clock.now();
  const [grants, peers] = await Promise.all([
    store.listGrants({
      ...(opts.tenant === undefined ? {} : { tenantId: opts.tenant }),
      ...(opts.status === undefined ? {} : { status: opts.status }),
    }),
    store.listPeers(opts.tenant === undefined ? {} : { tenantId: opts.tenant }),
  ]);
  const byId = new Map<string, Peer>(peers.map((p) => [p.id, p]));
  const rows = grants.map((g) => grantJson(g, byId.get(g.peerId) ?? null, now));
  const text = table(
    ['id', 'peer', 'tenant', 'subject', 'status', 'expires', 'created'],
    rows.map((g) => [
      g.id,
      g.peerName,
      g.tenantId,
      g.subjectUserId,
      g.effectiveStatus,
      g.expiresAt,
      g.createdAt,
    ]),
    '(no grants)',
  );
  return { json: { grants: rows }, text, exitCode: EXIT.ok };
}

async function show(rt: Runtime, id: string): Promise<CommandResult> {
  const { store } = await rt.store();
  const grant = await store.getGrant(id);
  if (grant === null) throw new GrantNotFoundError(id);
  const [peer, bindings] = await Promise.all([
    store.getPeer(grant.peerId),
    store.listCertificateBindings({ peerId: grant.peerId }),
  ]);
  const g = grantJson(grant, peer, rt.clock.now());
  const certificates = bindings.filter((b) => b.grantId === grant.id).map(certificateJson);
  const text =
    fields([
      ['grant', g.id],
      ['status', g.effectiveStatus],
      ['tenant', g.tenantId],
      ['subject', g.subjectUserId],
      ['peer', peer === null ? `${g.peerId} (missing)` : `${peer.name} (${peer.id}, ${peer.status})`],
      ['created', g.createdAt],
      ['activated', g.activatedAt],
      ['revoked', g.revokedAt],
      ['expires', g.expiresAt],
    ]) +
    `scope:\n${JSON.stringify(g.scope, null, 2).replace(/^/gm, '  ')}\ncertificates:\n` +
    table(
      ['serial', 'not before', 'not after', 'revoked'],
      certificates.map((c) => [c.serial, c.notBefore, c.notAfter, c.revokedAt]),
      '(none bound)',
    );
  return {
    json: { grant: g, peer: peer === null ? null : peerJson(peer), certificates },
    text,
    exitCode: EXIT.ok,
  };
}

async function revoke(rt: Runtime, id: string): Promise<CommandResult> {
  const { store } = await rt.store();
  const { grant, certificates } = await revokeGrant(id, {
    store,
    clock: rt.clock,
    ca: revocationCa(rt),
    random: rt.random,
  });
  const peer = await store.getPeer(grant.peerId);
  const report = certificateReport(certificates);
  return {
    json: { grant: grantJson(grant, peer, rt.clock.now()), certificates },
    text:
      `Revoked grant ${grant.id}; its peer is denied grant_revoked from the next request on.\n` + report.text,
    exitCode: report.exitCode,
  };
}

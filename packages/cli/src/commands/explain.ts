/**
 * `fedtrust explain`: why the guard allows or denies a request, stage by stage, decided by
 * core's `explainDecision` — the guard's own pipeline, not a second implementation.
 *
 * @module @fedtrust/cli
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DENY_REMEDIATION,
  type Decision,
  type ExplainedStage,
  explainDecision,
  identifyConnection,
  identityOids,
  isFedtrustError,
  VERBS,
  type Verb,
} from '@fedtrust/core';
import { type Command, Option } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { hostAuthorizer } from '../compose/host-file.js';
import { resolvePath } from '../compose/read-file.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT, UsageError } from '../output/exit-codes.js';
import { table } from '../output/table.js';

export function registerExplain(program: Command, ctx: CommandContext): void {
  jsonShape(
    program
      .command('explain')
      .description(
        "Run the guard against the store's records and the host file's current resources for a peer certificate and a request, and print every stage; on a deny, the reason and the clause that decided it.",
      )
      .requiredOption('--cert <file>', "the peer's client certificate (PEM, leaf first, or DER)")
      .addOption(new Option('--verb <verb>', 'federation verb').choices([...VERBS]).makeOptionMandatory())
      .option('--resource <name>', 'resource name (not for capabilities)')
      .option('--id <id>', 'record id, for get')
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => explain(rt, this.opts()));
      }),
    '{ decision: { allow, status, reason, stage, grantId, subject, certSerial, verb, resource, rowCap, filter }, stages: [{ stage, outcome, detail, clause? }], clause, remediation, rbacSource }',
  );
}

/** The DER of the first certificate in a PEM or DER file. */
export function readCertificateDer(path: string, cwd: string): Uint8Array {
  const absolute = resolvePath(path, cwd);
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (error) {
    throw new UsageError(
      'file_unreadable',
      `--cert ${absolute} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`,
      'Pass the path of the PEM client certificate the peer presents.',
    );
  }
  const text = bytes.toString('latin1');
  let der: Buffer = bytes;
  if (text.includes('-----BEGIN')) {
    const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
    if (match === null) {
      throw new UsageError(
        'certificate_invalid',
        `--cert ${absolute} holds no PEM CERTIFICATE block.`,
        'Pass the PEM client certificate (-----BEGIN CERTIFICATE-----), leaf first.',
      );
    }
    der = Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64');
  }
  // The gateway only ever sees a certificate TLS accepted; anything else is the wrong file,
  // not a peer whose identity is malformed.
  try {
    new X509Certificate(der);
  } catch {
    throw new UsageError(
      'certificate_invalid',
      `--cert ${absolute} is not an X.509 certificate.`,
      'Pass the PEM (or DER) client certificate the peer presents, leaf first.',
    );
  }
  return new Uint8Array(der);
}

/** The identity arc `--arc` names, checked: a malformed one would make every certificate read as identity_malformed. */
function checkedArc(arc: string | undefined): string | undefined {
  if (arc === undefined) return undefined;
  try {
    identityOids(arc);
  } catch (error) {
    if (!isFedtrustError(error)) throw error;
    throw new UsageError(
      error.code,
      error.message,
      `${error.remediation} Pass it with --arc or FEDTRUST_IDENTITY_ARC, as the gateway sets it.`,
    );
  }
  return arc;
}

/** The stable JSON form of a decision. */
export function decisionJson(decision: Decision): Record<string, unknown> {
  if (decision.allow) {
    return {
      allow: true,
      status: decision.status,
      reason: null,
      stage: null,
      grantId: decision.grant.id,
      subject: decision.identity.subjectUserId,
      certSerial: decision.certSerial,
      verb: decision.verb,
      resource: decision.resource,
      rowCap: decision.rowCap,
      filter: decision.filter,
    };
  }
  return {
    allow: false,
    status: decision.status,
    reason: decision.reason,
    stage: decision.stage,
    grantId: decision.grantId,
    subject: decision.subject,
    certSerial: decision.certSerial,
    verb: decision.verb,
    resource: decision.resource,
    rowCap: null,
    filter: null,
  };
}

async function explain(
  rt: Runtime,
  opts: { cert: string; verb: Verb; resource?: string; id?: string },
): Promise<CommandResult> {
  if (opts.verb !== 'capabilities' && opts.resource === undefined) {
    throw new UsageError(
      'resource_missing',
      `--verb ${opts.verb} needs --resource.`,
      'Name the resource the peer asked for, e.g. --resource documents.',
    );
  }
  const der = readCertificateDer(opts.cert, rt.io.cwd);
  const arc = checkedArc(rt.settings.arc);
  const host = rt.host();
  const { store } = await rt.store();
  const connection = identifyConnection(der, arc);
  const { decision, stages } = await explainDecision(
    {
      connection,
      verb: opts.verb,
      ...(opts.resource === undefined ? {} : { resource: opts.resource }),
      ...(opts.id === undefined ? {} : { id: opts.id }),
    },
    // The host file's catalogue, as a gateway passes its own: a stored scope is re-checked against it.
    { store, clock: rt.clock, authorize: hostAuthorizer(host), catalogue: host.catalogue },
  );
  const denied = stages.find((s: ExplainedStage) => s.outcome === 'deny');
  const clause = denied?.clause ?? null;
  const remediation = decision.allow ? null : DENY_REMEDIATION[decision.reason];
  const rbacSource = host.rbac === null ? 'assumed_allow' : 'host_file';
  const verdict = decision.allow
    ? `ALLOW (200): at most ${decision.rowCap} rows${decision.filter === null ? '' : `, filter ${JSON.stringify(decision.filter)}`}`
    : `DENY ${decision.status} ${decision.reason} at stage ${decision.stage}\nclause: ${clause}\nfix: ${remediation}`;
  const notes = [
    'TLS chain verification to the pinned root is done by the gateway at handshake and is not repeated here.',
    ...(host.rbac === null
      ? ['Host RBAC: the host file has no "rbac" rules, so the host is assumed to allow.']
      : []),
  ];
  return {
    json: { decision: decisionJson(decision), stages, clause, remediation, rbacSource },
    text:
      table(
        ['stage', 'outcome', 'detail', 'clause'],
        stages.map((s) => [s.stage, s.outcome, s.detail, s.clause]),
      ) + `${verdict}\n${notes.map((n) => `note: ${n}`).join('\n')}\n`,
    exitCode: EXIT.ok,
  };
}

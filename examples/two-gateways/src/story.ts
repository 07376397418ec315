/**
 * The story the demo tells, one step at a time. Each step acts over real TLS on loopback,
 * then checks what actually happened (statuses, deny reasons, rows, store records); the
 * story stops at the first step whose checks fail.
 *
 * @module @fedtrust/example-two-gateways/story
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuditRecord,
  createGrant,
  explainDecision,
  type Grant,
  hashToken,
  identifyConnection,
  issueEnrollmentToken,
  type Peer,
  readIdentity,
  revokeGrant,
  tokenPrefix,
  verifyChain,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import {
  createFederationClient,
  type EnrollResult,
  type FederationClient,
  isFederationClientError,
} from '@fedtrust/transport-undici';
import { Agent, request } from 'undici';
import { type Gateway, startGateway } from './gateway.js';
import {
  ALICE,
  BOB,
  catalogue,
  directory,
  GRANT_SCOPE,
  HOME_USER,
  homeTasks,
  localSource,
  memorySource,
  rbac,
  visibleTo,
  WORK_TENANT,
  workNotes,
  workPayroll,
  workTasks,
} from './host.js';
import { certificateDer, peerKey } from './peer-key.js';
import { type CaKind, createStack, type StoreKind } from './stack.js';
import { Checks, type StepOutcome, type StepRecord, type Transcript } from './transcript.js';

export interface StoryOptions {
  store: StoreKind;
  ca: CaKind;
  transcript: Transcript;
}

/** The peer name work registers for home; home's CSR must carry exactly this common name. */
const PEER_NAME = 'home-gateway';
const AUDIT_CHAIN = 'federation';

interface Step {
  id: string;
  title: string;
  run(): Promise<StepOutcome>;
}

/** State the steps hand to each other. */
interface World {
  home?: Gateway;
  work?: Gateway;
  grant?: Grant;
  peer?: Peer;
  token?: string;
  enrolled?: { certificatePem: string; chainPem: string[]; serial: string; privateKeyPem: string };
  client?: FederationClient;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: an earlier step did not finish`);
  return value;
}

/** Runs a call that must fail with a peer's deny; returns its status and reason. */
async function denial(call: () => Promise<unknown>): Promise<{ status: number; reason: string }> {
  try {
    await call();
  } catch (error) {
    if (isFederationClientError(error)) return { status: error.status, reason: error.reason };
    throw error;
  }
  return { status: 200, reason: 'allowed' };
}

function outcome(
  summary: string,
  lines: string[],
  data: Record<string, unknown>,
  checks: Checks,
): StepOutcome {
  return { summary, lines, data, checks: checks.list };
}

function buildSteps(world: World, options: StoryOptions, dir: string, cleanup: AsyncDisposableStack): Step[] {
  const stack = createStack({ store: options.store, ca: options.ca, dir, cleanup });
  const work = () => need(world.work, 'gateway work');
  const client = () => need(world.client, "home's federation client");
  const grant = () => need(world.grant, 'the grant');

  return [
    {
      id: 'start',
      title: 'Start gateways home and work, each with its own store and CA, on loopback ports',
      async run() {
        const c = new Checks();
        const [homeInfra, workInfra] = await Promise.all([stack.open('home'), stack.open('work')]);
        const home = await startGateway({
          name: 'home',
          infra: homeInfra,
          authorize: rbac({ [HOME_USER]: ['tasks'] }),
          sources: { tasks: memorySource(homeTasks()) },
        });
        cleanup.defer(() => home.stop());
        world.home = home;
        const w = await startGateway({
          name: 'work',
          infra: workInfra,
          // Work's own RBAC lets alice read payroll; the grant still excludes it.
          authorize: rbac({ [ALICE]: ['tasks', 'notes', 'payroll'], [BOB]: ['tasks'] }),
          sources: {
            tasks: memorySource(workTasks()),
            notes: memorySource(workNotes()),
            payroll: memorySource(workPayroll()),
          },
        });
        cleanup.defer(() => w.stop());
        world.work = w;
        const health = await Promise.all([homeInfra.ca.health(), workInfra.ca.health()]);
        c.that('both servers listen on 127.0.0.1', home.running() && w.running() && home.url !== w.url);
        c.that(
          'both CAs report healthy',
          health.every((h) => h.ok),
          health,
        );
        return outcome(
          `home at ${home.url}, work at ${w.url}`,
          [
            `home  ${home.url}  store: ${homeInfra.storeLabel}; peers enrol at: ${homeInfra.caLabel}`,
            `work  ${w.url}  store: ${workInfra.storeLabel}; peers enrol at: ${workInfra.caLabel}`,
          ],
          { home: home.url, work: w.url, homeStore: homeInfra.storeLabel, workStore: workInfra.storeLabel },
          c,
        );
      },
    },
    {
      id: 'grant',
      title: "Work's operator grants home read access as alice",
      async run() {
        const c = new Checks();
        const { store } = work().infra;
        const created = await createGrant(
          { tenantId: WORK_TENANT, peerName: PEER_NAME, subjectUserId: ALICE, scope: GRANT_SCOPE },
          {
            store,
            directory: directory({ [WORK_TENANT]: [ALICE, BOB] }),
            catalogue,
            clock: systemClock,
            random: systemRandom,
          },
        );
        world.grant = created.grant;
        world.peer = created.peer;
        const stored = await store.getGrant(created.grant.id);
        c.equal('the grant is stored as pending', stored?.status, 'pending');
        c.equal('its peer is stored as pending', (await store.getPeer(created.peer.id))?.status, 'pending');
        c.equal('the stored scope caps queries at 5 rows', stored?.scope.max_rows_per_query, 5);
        return outcome(
          `grant ${created.grant.id} (pending) for peer "${PEER_NAME}"`,
          [
            `grant ${created.grant.id}, subject alice ${ALICE}, tenant ${WORK_TENANT}`,
            `scope ${JSON.stringify(created.grant.scope)}`,
          ],
          { grantId: created.grant.id, peerId: created.peer.id, scope: created.grant.scope },
          c,
        );
      },
    },
    {
      id: 'token',
      title: 'Work issues a one-time enrollment token, handed to home out of band',
      async run() {
        const c = new Checks();
        const { store } = work().infra;
        const { token, record } = await issueEnrollmentToken(
          { grantId: grant().id },
          { store, clock: systemClock, random: systemRandom },
        );
        world.token = token;
        c.that('the token is an fte_ token', token.startsWith('fte_'));
        c.equal('the store keeps its SHA-256, not the token', record.tokenHash, hashToken(token));
        c.equal('the record shows only an 8-character prefix', record.prefix, tokenPrefix(token));
        const ttlMinutes = Math.round((record.expiresAt.getTime() - record.createdAt.getTime()) / 60_000);
        c.equal('it expires after 15 minutes', ttlMinutes, 15);
        return outcome(
          `token ${record.prefix}… expires ${record.expiresAt.toISOString()}`,
          [`token ${record.prefix}… (the rest is never printed or stored; only its hash is)`],
          { tokenPrefix: record.prefix, expiresAt: record.expiresAt.toISOString() },
          c,
        );
      },
    },
    {
      id: 'enrol',
      title: 'Home enrols at work: its own key, a CSR, POST /fedtrust/v1/enroll over TLS',
      async run() {
        const c = new Checks();
        const w = work();
        const token = need(world.token, 'the enrollment token');
        const key = await peerKey(PEER_NAME);
        // Before enrolling home has no client certificate; it already pins work's server root.
        const anonymous = new Agent({ connect: { ca: w.serverRootsPem } });
        const enrol = async () => {
          const response = await request(`${w.url}/fedtrust/v1/enroll`, {
            dispatcher: anonymous,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token, csrPem: key.csrPem }),
          });
          return {
            status: response.statusCode,
            body: (await response.body.json()) as Record<string, unknown>,
          };
        };
        let first: Awaited<ReturnType<typeof enrol>>;
        let replay: Awaited<ReturnType<typeof enrol>>;
        try {
          first = await enrol();
          replay = await enrol();
        } finally {
          await anonymous.close();
        }
        if (!c.equal('work answers 201 Created', first.status, 201)) {
          return outcome(`enrollment failed: ${JSON.stringify(first.body)}`, [], {}, c);
        }
        const issued = first.body as unknown as EnrollResult;
        world.enrolled = { ...issued, privateKeyPem: key.privateKeyPem };
        const identity = readIdentity(certificateDer(issued.certificatePem));
        const { store } = w.infra;
        c.equal('the certificate carries the grant id and subject as X.509 extensions', identity, {
          grantId: grant().id,
          subjectUserId: ALICE,
        });
        c.equal('the grant is now active', (await store.getGrant(grant().id))?.status, 'active');
        c.equal('the peer is now active', (await store.getPeer(grant().peerId))?.status, 'active');
        c.equal(
          'the certificate is bound to the peer',
          (await store.getCertificateBinding(issued.serial))?.peerId,
          grant().peerId,
        );
        c.equal(
          'replaying the token is refused (410 enrollment_replayed)',
          [replay.status, replay.body['error']],
          [410, 'enrollment_replayed'],
        );
        world.client = createFederationClient({
          peers: [
            {
              id: 'work',
              url: w.url,
              rootsPem: w.serverRootsPem,
              certificatePem: issued.certificatePem,
              chainPem: issued.chainPem,
              privateKey: key.privateKeyPem,
            },
          ],
          local: localSource('home', homeTasks()),
          timeoutMs: 5_000,
        });
        const opened = world.client;
        cleanup.defer(() => opened.close());
        return outcome(
          `certificate ${issued.serial} until ${issued.notAfter}`,
          [
            `home's key stays at home; work signed certificate ${issued.serial} (valid until ${issued.notAfter})`,
            `extensions: grant ${identity.grantId}, subject ${identity.subjectUserId}`,
            `a second POST with the same token: ${replay.status} ${String(replay.body['error'])}`,
          ],
          { serial: issued.serial, notAfter: issued.notAfter, identity, replayStatus: replay.status },
          c,
        );
      },
    },
    {
      id: 'capabilities',
      title: 'Home asks work what its grant allows (GET capabilities over mTLS)',
      async run() {
        const c = new Checks();
        const caps = await client().peer('work').capabilities();
        c.equal('answered by work for this grant', [caps.gateway, caps.grantId], ['work', grant().id]);
        c.equal('resources tasks and notes', caps.resources, ['tasks', 'notes']);
        c.equal('payroll excluded', caps.excludedResources, ['payroll']);
        c.equal('at most 5 rows per query', caps.maxRowsPerQuery, 5);
        return outcome(
          `${caps.resources.join(', ')}; excluded ${caps.excludedResources.join(', ')}; ${caps.maxRowsPerQuery} rows/query`,
          [JSON.stringify(caps)],
          { capabilities: caps },
          c,
        );
      },
    },
    {
      id: 'list',
      title: "Home lists work's tasks: filtered to what alice may see, capped at max_rows_per_query",
      async run() {
        const c = new Checks();
        const result = await client().peer('work').list('tasks');
        const filter = GRANT_SCOPE.filters.tasks;
        const visible = workTasks().filter((row) => visibleTo(row, ALICE, filter));
        c.that('work holds more visible rows than the cap', visible.length > 5, visible.length);
        c.equal('exactly 5 rows came back', result.rows.length, 5);
        c.equal('the answer says it was truncated', result.truncated, true);
        c.that(
          'every row is tagged _source: work',
          result.rows.every((row) => row._source === 'work'),
        );
        c.that(
          "every row is a platform-team row or alice's own",
          result.rows.every((row) => visibleTo(row, ALICE, filter)),
          result.rows,
        );
        return outcome(
          `${result.rows.length} of ${visible.length} visible rows (of ${workTasks().length}), truncated`,
          result.rows.map((row) => JSON.stringify(row)),
          { rows: result.rows, truncated: result.truncated, visible: visible.length },
          c,
        );
      },
    },
    {
      id: 'denied',
      title: 'Home asks for payroll, which the grant excludes: denied, and why',
      async run() {
        const c = new Checks();
        const denied = await denial(() => client().peer('work').list('payroll'));
        c.equal('work answers 403 resource_excluded', denied, { status: 403, reason: 'resource_excluded' });
        const enrolled = need(world.enrolled, "home's certificate");
        const { store } = work().infra;
        const explanation = await explainDecision(
          {
            connection: identifyConnection(certificateDer(enrolled.certificatePem)),
            verb: 'list',
            resource: 'payroll',
          },
          { store, clock: systemClock, authorize: () => true },
        );
        const deciding = explanation.stages.find((stage) => stage.outcome === 'deny');
        c.equal(
          'the scope stage decided it, at /excluded_resources/0',
          [deciding?.stage, deciding?.clause],
          ['scope', '/excluded_resources/0'],
        );
        return outcome(
          `${denied.status} ${denied.reason}`,
          explanation.stages.map(
            (stage) =>
              `${stage.stage.padEnd(12)} ${stage.outcome.padEnd(11)} ${stage.detail}${stage.clause ? `  [${stage.clause}]` : ''}`,
          ),
          { status: denied.status, reason: denied.reason, stages: explanation.stages },
          c,
        );
      },
    },
    {
      id: 'fanout',
      title: "Fan-out 'all': home's own tasks and work's in one answer",
      async run() {
        const c = new Checks();
        const result = await client().query({ source: 'all', verb: 'list', resource: 'tasks' });
        const bySource = countBy(result.rows.map((row) => row._source));
        c.equal('3 rows from home and 5 from work', bySource, { home: 3, work: 5 });
        c.equal('not partial', [result._partial, result.errors], [false, []]);
        return outcome(
          `${result.rows.length} rows, _partial ${result._partial}`,
          [`rows by _source: ${JSON.stringify(bySource)}`],
          { bySource, partial: result._partial },
          c,
        );
      },
    },
    {
      id: 'partial',
      title: "Work stops; fan-out 'all' still answers with home's rows, marked _partial",
      async run() {
        const c = new Checks();
        await work().stop();
        const result = await client().query({ source: 'all', verb: 'list', resource: 'tasks' });
        const bySource = countBy(result.rows.map((row) => row._source));
        c.equal('home still answers its 3 rows', bySource, { home: 3 });
        c.equal('_partial is true', result._partial, true);
        c.equal(
          'the error names work as unreachable',
          result.errors.map((e) => [e.source, e.reason]),
          [['work', 'peer_unreachable']],
        );
        return outcome(
          `${result.rows.length} rows, _partial ${result._partial}, work: ${result.errors[0]?.reason ?? 'no error'}`,
          [`rows by _source: ${JSON.stringify(bySource)}`, `errors: ${JSON.stringify(result.errors)}`],
          { bySource, partial: result._partial, errors: result.errors },
          c,
        );
      },
    },
    {
      id: 'restart',
      title: 'Work restarts on the same port from its store; home carries on with the same certificate',
      async run() {
        const c = new Checks();
        const w = work();
        await w.start();
        // Two calls: undici opens a second keep-alive connection on the second call, so after
        // these the pool is warm and the revoke step can tell whether a new handshake happened.
        const result = await client().peer('work').list('tasks');
        const caps = await client().peer('work').capabilities();
        c.equal('the grant survived the restart: 5 rows again', result.rows.length, 5);
        c.equal('capabilities name the same grant', caps.grantId, grant().id);
        c.that('home reconnected to the restarted server', w.tlsConnections() >= 1, w.tlsConnections());
        return outcome(
          `${result.rows.length} rows after the restart`,
          [
            `work serves again at ${w.url}; grants, peers and bindings came back from its store`,
            `TLS connections from home to the restarted work: ${w.tlsConnections()}`,
          ],
          { rows: result.rows.length, tlsConnections: w.tlsConnections() },
          c,
        );
      },
    },
    {
      id: 'revoke',
      title: "Work revokes the grant; home's very next request, on its open connection, is denied",
      async run() {
        const c = new Checks();
        const w = work();
        const before = w.tlsConnections();
        const { grant: revoked } = await revokeGrant(grant().id, {
          store: w.infra.store,
          clock: systemClock,
        });
        const denied = await denial(() => client().peer('work').list('tasks'));
        c.equal('the grant is stored as revoked', revoked.status, 'revoked');
        c.equal('the next request gets 403 grant_revoked', denied, { status: 403, reason: 'grant_revoked' });
        c.equal('on the connection already open (no new handshake)', w.tlsConnections(), before);
        return outcome(
          `${denied.status} ${denied.reason} on the next request`,
          [`revoked at ${revoked.revokedAt?.toISOString()}; TLS connections to work: ${w.tlsConnections()}`],
          { status: denied.status, reason: denied.reason, tlsConnections: w.tlsConnections() },
          c,
        );
      },
    },
    {
      id: 'audit',
      title: "Work's audit log: every decision, hash-chained; verifyChain checks it",
      async run() {
        const c = new Checks();
        const records = await work().infra.store.listAudit(AUDIT_CHAIN);
        const verified = verifyChain(records);
        const decisions = records.map(
          (r) => `${r.event.verb} ${r.event.outcome}${r.event.reason ? ` ${r.event.reason}` : ''}`,
        );
        c.equal('the chain verifies', verified.ok ? { ok: true, length: verified.length } : verified, {
          ok: true,
          length: records.length,
        });
        c.that(
          'it records the enrollment, the allowed list and both denials',
          ['enroll allow', 'list allow', 'list deny resource_excluded', 'list deny grant_revoked'].every(
            (d) => decisions.includes(d),
          ),
          decisions,
        );
        const index = records.findIndex((r) => r.event.verb === 'list' && r.event.outcome === 'allow');
        const tampered = records.map(
          (r, i): AuditRecord =>
            i === index ? { ...r, event: { ...r.event, rowsOut: r.event.rowsOut + 100 } } : r,
        );
        const broken = verifyChain(tampered);
        c.equal(
          'changing one recorded row count breaks the chain at that record',
          broken.ok ? broken : [broken.brokenAt, broken.reason],
          [index, 'hash_mismatch'],
        );
        return outcome(
          verified.ok ? `${verified.length} records, head ${verified.head.slice(0, 16)}…` : 'chain broken',
          [
            ...records.map(
              (r) =>
                `#${String(r.seq).padStart(2)} ${r.event.verb.padEnd(12)} ${r.event.outcome.padEnd(5)} ${(r.event.reason ?? '').padEnd(20)} rows ${r.event.rowsOut}  ${r.hash.slice(0, 12)}…`,
            ),
            `a copy with record #${index + 1}'s rowsOut changed: ${broken.ok ? 'verifies (!)' : `broken at index ${broken.brokenAt}, ${broken.reason}`}`,
          ],
          {
            length: records.length,
            head: verified.ok ? verified.head : null,
            decisions,
            tamperedBrokenAt: broken.ok ? null : broken.brokenAt,
          },
          c,
        );
      },
    },
  ];
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the story and returns whether every step passed. Whatever happens, every server,
 * store, database and CA it started is stopped and its temporary directory removed before
 * it returns; a failure to clean up also fails the run.
 */
export async function runStory(options: StoryOptions): Promise<boolean> {
  const started = performance.now();
  const { transcript } = options;
  const dir = await mkdtemp(join(tmpdir(), 'fedtrust-demo-'));
  const cleanup = new AsyncDisposableStack();
  cleanup.defer(() => rm(dir, { recursive: true, force: true }));
  const world: World = {};
  const steps = buildSteps(world, options, dir, cleanup);
  transcript.header(
    `fedtrust demo: two gateways over mTLS (store ${options.store}, ca ${options.ca === 'local' ? 'ca-local' : 'step-ca'})`,
    { store: options.store, ca: options.ca, steps: steps.map((s) => s.id) },
  );
  let passed = 0;
  let failed = 0;
  const notRun: string[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      if (failed > 0) {
        notRun.push(step.id);
        continue;
      }
      transcript.begin(i + 1, steps.length, step.title);
      const stepStarted = performance.now();
      const record: StepRecord = {
        type: 'step',
        index: i + 1,
        total: steps.length,
        id: step.id,
        title: step.title,
        ok: false,
        summary: '',
        lines: [],
        checks: [],
        data: {},
        ms: 0,
      };
      try {
        const result = await step.run();
        Object.assign(record, result);
        record.ok = result.checks.length > 0 && result.checks.every((check) => check.ok);
      } catch (error) {
        record.error = message(error);
        record.summary = 'threw before finishing';
      }
      record.ms = Math.round(performance.now() - stepStarted);
      transcript.step(record);
      if (record.ok) passed += 1;
      else failed += 1;
    }
  } finally {
    try {
      await cleanup.disposeAsync();
    } catch (error) {
      failed += 1;
      transcript.note(`cleanup failed: ${message(error)}`);
    }
  }
  const ok = failed === 0 && passed === steps.length;
  transcript.summary({
    type: 'summary',
    ok,
    store: options.store,
    ca: options.ca,
    passed,
    failed,
    notRun,
    ms: Math.round(performance.now() - started),
  });
  return ok;
}

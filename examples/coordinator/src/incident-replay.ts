/**
 * The incident replay over real sockets: a coordinator restart, old clients that drop every
 * token, network blips, and an impostor claiming a live provider's id — then the operator
 * view and the pre-flip audit.
 *
 * @module @fedtrust/example-coordinator/incident-replay
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import type { PreFlipReport, SessionView } from '@fedtrust/core';
import { CLOSE_EVICTED, type Coordinator, startCoordinator } from './coordinator.js';
import { type Greeting, Provider } from './provider-client.js';

export type Write = (line: string) => void;

export interface ReplayResult {
  /** Every check below held. */
  ok: boolean;
  /** Connection attempts of old clients that were refused (must be 0). */
  oldClientRejections: number;
  oldClientGreetings: Greeting[];
  impostorGreetings: Greeting[];
  /** Whether any operator view taken during the replay listed an impostor connection. */
  impostorEverInView: boolean;
  /** Whether any view showed an impostor connection as routing-eligible. */
  impostorEverRoutable: boolean;
  /** Job ids the victim's sockets and the impostor's received. */
  victimJobs: string[];
  impostorJobs: string[];
  /** Whether the victim's first connection was closed as evicted when it proved its bearer. */
  victimOldSocketEvicted: boolean;
  finalView: SessionView[];
  preFlip: PreFlipReport;
}

/** Waits, bounded, until `done()` holds; the coordinator notices a dropped socket a moment after the client. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (done()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting until ${what}`);
}

function describe(greeting: Greeting): string {
  if (greeting.type === 'rejected') return `REJECTED ${greeting.code}`;
  const token = greeting.token === undefined ? '' : `, token ${greeting.token.slice(0, 8)}…`;
  return `admitted ${greeting.authState} (${greeting.event}${token})`;
}

function table(view: readonly SessionView[]): string[] {
  const header = `${'provider'.padEnd(10)}${'connection'.padEnd(12)}${'auth state'.padEnd(22)}${'routable'.padEnd(10)}token`;
  return [
    header,
    ...view.map(
      (s) =>
        `${s.providerId.padEnd(10)}${s.connectionId.padEnd(12)}${s.authState.padEnd(22)}${(s.eligible ? 'yes' : 'no').padEnd(10)}${s.tokenPrefix ?? ''}`,
    ),
  ];
}

/**
 * Runs the replay on a fresh SQLite file and returns what happened. Every coordinator and
 * socket it opens is closed and the file removed before it returns.
 */
export async function runReplay(write: Write = (line) => console.log(line)): Promise<ReplayResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fedtrust-coordinator-'));
  const store = sqliteStore(join(dir, 'coordinator.db'));
  const oldA = new Provider('old-a', false);
  const oldB = new Provider('old-b', false);
  const victim = new Provider('victim', true);
  const impostor = new Provider('victim', false);
  const impostorConnections = new Set<string>();
  const views: SessionView[][] = [];
  // Assigned inside `restart`; the assertion keeps TypeScript from narrowing it to null below.
  let coordinator = null as Coordinator | null;

  const live = () => coordinator as Coordinator;
  const view = (title: string) => {
    const snapshot = live().operatorView();
    views.push(snapshot);
    write(`\n  operator view — ${title}`);
    for (const line of table(snapshot)) write(`    ${line}`);
  };
  const connect = async (provider: Provider, label: string) => {
    const greeting = await provider.connect(live().url);
    if (provider === impostor) impostorConnections.add(greeting.connectionId);
    write(`  ${label.padEnd(58)} → ${describe(greeting)}`);
    return greeting;
  };
  const blip = async (provider: Provider, label: string) => {
    const connectionId = provider.current?.greeting.connectionId;
    await provider.blip();
    await until(
      () =>
        !live()
          .operatorView()
          .some((s) => s.connectionId === connectionId),
      `the coordinator saw ${provider.providerId} drop`,
    );
    write(`  ${label}`);
  };
  const restart = async (label: string) => {
    const port = coordinator?.port;
    await coordinator?.close();
    coordinator = await startCoordinator({ store, ...(port === undefined ? {} : { port }) });
    write(`\n${label} (${live().url}, tokens in ${join(dir, 'coordinator.db')})`);
  };

  try {
    await restart('1. The coordinator restarts with fedtrust admission; requireProviderTokens is off');
    await connect(oldA, 'old-a reconnects tokenless (it drops any token)');
    await connect(oldB, 'old-b reconnects tokenless (it drops any token)');
    view('after the restart');

    write('\n2. A network blip');
    await blip(oldA, "old-a's socket drops without a close frame");
    await connect(oldA, 'old-a reconnects tokenless again');

    write('\n3. An impostor claims a live provider id');
    await connect(victim, 'victim connects tokenless (it keeps its token)');
    await connect(impostor, "impostor connects tokenless as 'victim'");
    const firstVictimSocket = victim.current;
    await connect(victim, 'victim reconnects presenting its bearer');
    const victimOldSocketEvicted = (await firstVictimSocket?.closed) === CLOSE_EVICTED;
    write(`  victim's first socket was closed as evicted: ${victimOldSocketEvicted}`);
    await connect(impostor, "impostor connects tokenless as 'victim' again");
    impostor.token = 'ftp_guessed-by-the-impostor';
    await connect(impostor, 'impostor presents a guessed bearer');
    impostor.token = undefined;
    const routedTo = live().route('victim', 'job-1');
    await until(() => victim.jobs.includes('job-1'), 'the victim received job-1');
    write(
      `  a job for 'victim' goes to connection ${routedTo}; the victim's socket is ${victim.current?.greeting.connectionId}`,
    );
    view('victim proved its bearer');

    write("\n4. The victim's network blips; the impostor tries while it is away");
    await blip(victim, "victim's socket drops");
    await connect(impostor, "impostor connects tokenless as 'victim'");
    await connect(victim, 'victim reconnects presenting its bearer');

    await restart('5. The coordinator restarts again: every socket drops, the store keeps the tokens');
    await connect(oldA, 'old-a reconnects tokenless');
    await connect(oldB, 'old-b reconnects tokenless');
    await connect(victim, 'victim reconnects presenting its bearer');
    await connect(impostor, "impostor connects tokenless as 'victim'");
    const routedAgain = live().route('victim', 'job-2');
    await until(() => victim.jobs.includes('job-2'), 'the victim received job-2');
    write(
      `  a job for 'victim' goes to connection ${routedAgain}; the victim's socket is ${victim.current?.greeting.connectionId}`,
    );
    const finalView = live().operatorView();
    view('final');

    const preFlip = await live().preFlip();
    write('\n6. Pre-flip audit before switching requireProviderTokens on');
    write(`  safe to flip: ${preFlip.safe}`);
    for (const blocker of preFlip.blockers) {
      const where = blocker.tokenPrefix ?? blocker.connectionId ?? '';
      write(`  blocker ${blocker.kind.padEnd(30)} ${blocker.providerId.padEnd(8)} ${where}`);
    }

    const oldClientGreetings = [...oldA.history, ...oldB.history];
    const allViews = views.flat();
    const result: Omit<ReplayResult, 'ok'> = {
      oldClientRejections: oldClientGreetings.filter((g) => g.type === 'rejected').length,
      oldClientGreetings,
      impostorGreetings: impostor.history,
      impostorEverInView: allViews.some((s) => impostorConnections.has(s.connectionId)),
      impostorEverRoutable: allViews.some((s) => impostorConnections.has(s.connectionId) && s.eligible),
      victimJobs: [...victim.jobs],
      impostorJobs: [...impostor.jobs],
      victimOldSocketEvicted,
      finalView,
      preFlip,
    };
    const ok =
      result.oldClientRejections === 0 &&
      !result.impostorEverInView &&
      !result.impostorEverRoutable &&
      result.impostorGreetings.every((g) => g.type === 'rejected') &&
      result.impostorJobs.length === 0 &&
      result.victimJobs.join() === 'job-1,job-2' &&
      victimOldSocketEvicted;
    write(
      `\n${ok ? 'OK' : 'FAILED'}: old clients rejected ${result.oldClientRejections} times; ` +
        `impostor attempts ${result.impostorGreetings.length}, all rejected: ${result.impostorGreetings.every((g) => g.type === 'rejected')}; ` +
        `impostor ever routable: ${result.impostorEverRoutable}`,
    );
    return { ok, ...result };
  } finally {
    await Promise.all([oldA, oldB, victim, impostor].map((p) => p.current?.close()));
    await coordinator?.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

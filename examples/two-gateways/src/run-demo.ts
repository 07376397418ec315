/**
 * The demo's command line: `node dist/main.js [--json] [--store sqlite|pg] [--ca local|stepca]`.
 *
 * @module @fedtrust/example-two-gateways
 */
import { parseArgs } from 'node:util';
import type { CaKind, StoreKind } from './stack.js';
import { runStory } from './story.js';
import { Transcript, type Write } from './transcript.js';

const USAGE = `usage: npm run demo -- [--json] [--store sqlite|pg] [--ca local|stepca]

  --json          print one JSON object per line instead of the transcript
  --store pg      run both gateways on an embedded Postgres instead of SQLite files
  --ca stepca     enrol peers at a real step-ca instead of ca-local`;

const STORES: readonly StoreKind[] = ['sqlite', 'pg'];
const CAS: readonly CaKind[] = ['local', 'stepca'];

/**
 * Runs the demo and resolves with its exit code: 0 only when every step's own checks
 * passed and everything was cleaned up, 1 when a step failed, 2 for bad arguments.
 */
export async function main(
  argv: readonly string[],
  write: Write = (line) => console.log(line),
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    write(USAGE);
    return 0;
  }
  const ok = await runStory({
    store: parsed.store,
    ca: parsed.ca,
    transcript: new Transcript(parsed.json, write),
  });
  return ok ? 0 : 1;
}

function parse(argv: readonly string[]): { json: boolean; help: boolean; store: StoreKind; ca: CaKind } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      store: { type: 'string', default: 'sqlite' },
      ca: { type: 'string', default: 'local' },
    },
    strict: true,
    allowPositionals: false,
  });
  const store = values.store as StoreKind;
  const ca = values.ca as CaKind;
  if (!STORES.includes(store))
    throw new Error(`--store must be one of ${STORES.join(', ')}, not "${values.store}"`);
  if (!CAS.includes(ca)) throw new Error(`--ca must be one of ${CAS.join(', ')}, not "${values.ca}"`);
  return { json: values.json === true, help: values.help === true, store, ca };
}

/**
 * `npm run replay -w @fedtrust/example-coordinator`: the incident replay against a real
 * coordinator over WebSocket. Exits 0 only when no old client was rejected, the impostor
 * was never routable and every job reached the real provider.
 *
 * @module @fedtrust/example-coordinator/replay
 */
import { runReplay } from './incident-replay.js';

const result = await runReplay();
process.exitCode = result.ok ? 0 : 1;

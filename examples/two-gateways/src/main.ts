/**
 * Entry point of `npm run demo`. See README.md.
 *
 * @module @fedtrust/example-two-gateways/main
 */
import { main } from './run-demo.js';

process.exitCode = await main(process.argv.slice(2));

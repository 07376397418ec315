#!/usr/bin/env node
/**
 * The `fedtrust` binary.
 *
 * @module @fedtrust/cli
 */
import { processIo } from './io.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());

/**
 * The seam between commander definitions and the runner: a command's action hands its
 * handler to `run`, which resolves settings, composes the adapters and prints the result.
 *
 * @module @fedtrust/cli
 */
import type { Command } from 'commander';
import type { Runtime } from './compose/runtime.js';
import type { CommandResult } from './output/command-result.js';

/** A command's work: given the composed runtime, produce one result. */
export type Handler = (runtime: Runtime) => Promise<CommandResult>;

/** What command definitions need from the runner. */
export interface CommandContext {
  run(command: Command, handler: Handler): Promise<void>;
}

/** The `--json` document shape of each command, keyed by the command object (rendered into help and docs/cli.md). */
export const JSON_SHAPES = new WeakMap<Command, string>();

/** Records the JSON shape of `command`'s `--json` output and shows it after its help. */
export function jsonShape(command: Command, shape: string): Command {
  JSON_SHAPES.set(command, shape);
  return command.addHelpText('after', `\nWith --json, prints one document:\n  ${shape}\n`);
}

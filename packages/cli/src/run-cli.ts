/**
 * One run of the CLI: parse, compose, execute, print, and map every outcome to an exit code.
 *
 * @module @fedtrust/cli
 */

import { isFedtrustError } from '@fedtrust/core';
import { CommanderError } from 'commander';
import type { Handler } from './command-context.js';
import { type GlobalFlags, Runtime, resolveSettings } from './compose/runtime.js';
import type { CliIo } from './io.js';
import { type CommandResult, toJsonText } from './output/command-result.js';
import { EXIT, type ExitCode, exitCodeOf } from './output/exit-codes.js';
import { terminalSafe } from './output/terminal-safe.js';
import { buildProgram } from './program.js';

/** One line, whatever the message contained. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * Runs `fedtrust` with `argv` (the arguments after the binary) and resolves with the exit
 * code. Never rejects and never prints a stack trace: a `FedtrustError` prints its code,
 * message and remediation on one line (and, under `--json`, as `{ error }` on stdout);
 * anything else is reported as an internal error.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let outcome: { result: CommandResult; json: boolean } | undefined;
  let commanderMessage = '';
  const program = buildProgram({
    async run(command, handler: Handler) {
      const settings = resolveSettings(command.optsWithGlobals<GlobalFlags>(), io);
      const runtime = new Runtime(settings, io);
      try {
        outcome = { result: await handler(runtime), json: settings.json };
      } finally {
        await runtime.close();
      }
    },
  });
  const wantsJson = argv.includes('--json');
  program.exitOverride().configureOutput({
    writeOut: (text) => io.stdout(text),
    writeErr: (text) => {
      commanderMessage += text;
    },
    outputError: (text) => {
      commanderMessage = text;
    },
  });
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput(program.configureOutput());
  }
  if (argv.length === 0) {
    io.stderr(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') {
        return missingCommand(commanderMessage, commandPath(argv, program), io, wantsJson);
      }
      const message = oneLine(commanderMessage || error.message).replace(/^error:\s*/i, '');
      const command = commandPath(argv, program);
      io.stderr(terminalSafe(`fedtrust: ${message} (run \`fedtrust ${command}--help\` for usage)\n`));
      if (wantsJson)
        io.stdout(
          toJsonText({
            error: { code: 'usage', message, remediation: `Run \`fedtrust ${command}--help\`.` },
          }),
        );
      return EXIT.usage;
    }
    return reportError(error, io, wantsJson);
  }
  if (outcome === undefined) {
    return missingCommand(program.helpInformation(), commandPath(argv, program), io, wantsJson);
  }
  io.stdout(outcome.json ? toJsonText(outcome.result.json) : terminalSafe(outcome.result.text));
  return outcome.result.exitCode;
}

/** A command group named without its subcommand: the usage on stderr and, under `--json`, still one document. */
function missingCommand(usage: string, command: string, io: CliIo, json: boolean): ExitCode {
  io.stderr(usage);
  if (json) {
    io.stdout(
      toJsonText({
        error: {
          code: 'usage',
          message: `No command was given${command === '' ? '' : ` after \`fedtrust ${command.trim()}\``}.`,
          remediation: `Run \`fedtrust ${command}--help\`.`,
        },
      }),
    );
  }
  return EXIT.usage;
}

function reportError(error: unknown, io: CliIo, json: boolean): ExitCode {
  if (isFedtrustError(error)) {
    io.stderr(
      terminalSafe(`fedtrust: ${error.code}: ${oneLine(error.message)} Fix: ${oneLine(error.remediation)}\n`),
    );
    if (json) io.stdout(toJsonText({ error: error.toJSON() }));
    return exitCodeOf(error);
  }
  const message = oneLine(error instanceof Error ? error.message : String(error));
  io.stderr(
    terminalSafe(
      `fedtrust: internal_error: ${message} Fix: report this as a fedtrust bug with the command you ran.\n`,
    ),
  );
  if (json) io.stdout(toJsonText({ error: { code: 'internal_error', message } }));
  return EXIT.failed;
}

function allCommands(program: ReturnType<typeof buildProgram>): ReturnType<typeof buildProgram>[] {
  const out: ReturnType<typeof buildProgram>[] = [];
  const walk = (c: ReturnType<typeof buildProgram>) => {
    for (const sub of c.commands) {
      out.push(sub);
      walk(sub);
    }
  };
  walk(program);
  return out;
}

/** The subcommand words of argv that name real commands, for the usage hint (`grant create `). */
function commandPath(argv: readonly string[], program: ReturnType<typeof buildProgram>): string {
  let current = program;
  let path = '';
  for (const word of argv) {
    const next = current.commands.find((c) => c.name() === word);
    if (next === undefined) {
      if (word.startsWith('-')) continue;
      break;
    }
    path += `${word} `;
    current = next;
  }
  return path;
}

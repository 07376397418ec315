/**
 * Renders `docs/cli.md` from the commander definition, so the reference is the binary's own.
 *
 * @module @fedtrust/cli
 */
import type { Command, Option } from 'commander';
import { JSON_SHAPES } from '../command-context.js';
import { ENVIRONMENT } from '../compose/runtime.js';
import { buildProgram } from '../program.js';

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function optionRow(option: Option): string {
  const notes = [
    option.mandatory ? 'required' : null,
    option.argChoices === undefined ? null : `one of ${option.argChoices.map((c) => `\`${c}\``).join(', ')}`,
    option.defaultValue === undefined ? null : `default \`${String(option.defaultValue)}\``,
  ].filter((n) => n !== null);
  return `| \`${escapeCell(option.flags)}\` | ${escapeCell(option.description)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''} |`;
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function renderCommand(command: Command): string[] {
  const lines = [`### \`${fullName(command)}\``, '', command.description(), ''];
  const usage = command.createHelp().commandUsage(command);
  lines.push('```', usage, '```', '');
  if (command.registeredArguments.length > 0) {
    lines.push('| argument | description |', '| --- | --- |');
    for (const argument of command.registeredArguments) {
      lines.push(
        `| \`${argument.name()}\` | ${escapeCell(argument.description)}${argument.required ? ' (required)' : ''} |`,
      );
    }
    lines.push('');
  }
  const options = command.options.filter((o) => !o.hidden);
  if (options.length > 0) {
    lines.push('| option | description |', '| --- | --- |', ...options.map(optionRow), '');
  }
  const shape = JSON_SHAPES.get(command);
  if (shape !== undefined) lines.push(`\`--json\`: \`${shape}\``, '');
  return lines;
}

function walk(command: Command, out: Command[]): void {
  for (const sub of command.commands) {
    if (JSON_SHAPES.has(sub)) out.push(sub);
    walk(sub, out);
  }
}

/** The Markdown CLI reference. Deterministic: the same definition always renders the same bytes. */
export function renderCliReference(): string {
  const program = buildProgram({ run: async () => {} });
  const commands: Command[] = [];
  walk(program, commands);
  const lines = [
    '# `fedtrust` CLI reference',
    '',
    '<!-- Generated from the commander definitions in packages/cli/src by `npm run docs:cli -w packages/cli`. Do not edit by hand: a test fails when this file is stale. -->',
    '',
    program.description(),
    '',
    '## Global options',
    '',
    'Every command accepts these, before or after the command name. Flags win over environment variables.',
    '',
    '| option | description |',
    '| --- | --- |',
    ...program.options.map(optionRow),
    '',
    '## Environment',
    '',
    '| variable | meaning |',
    '| --- | --- |',
    ...Object.entries(ENVIRONMENT).map(([name, meaning]) => `| \`${name}\` | ${escapeCell(meaning)} |`),
    '',
    '## Exit codes',
    '',
    '| code | meaning |',
    '| --- | --- |',
    '| 0 | ok (doctor: no check failed; warnings allowed) |',
    '| 1 | a check or an action failed: a doctor check, a broken audit chain, pre-flip blockers, a refused transition, an unreachable store or CA |',
    '| 2 | bad usage: unknown command or flag, missing or malformed file or setting, unknown id (errors with status 400 or 404) |',
    '',
    'Errors print one line on stderr — `fedtrust: <code>: <message> Fix: <remediation>` — and, with `--json`, `{ "error": { code, message, remediation, … } }` on stdout. Never a stack trace.',
    '',
    '## Commands',
    '',
    ...commands.flatMap(renderCommand),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * The printed table and the JSON results file.
 *
 * @module @fedtrust/bench/report
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from './measure.js';

function num(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 0.1 || value === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

function verdict(figure: Figure): string {
  if (figure.pass === null) return 'info';
  return figure.pass ? 'PASS' : 'MISS';
}

/** The results table, one row per figure, then each figure's baseline and notes. */
export function table(figures: readonly Figure[]): string[] {
  const rows = figures.map((f) => [
    f.id,
    `${num(f.value)} ${f.unit}`,
    f.baseline === null ? '—' : `${num(f.baseline)}`,
    f.ratio === null ? '—' : `${num(f.ratio)} ${f.ratioMeaning ?? ''}`.trim(),
    f.target?.label ?? '—',
    verdict(f),
  ]);
  const header = [
    'figure',
    'fedtrust (median)',
    'baseline (median)',
    'ratio (median of rounds)',
    'target',
    'result',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
  for (const f of figures) {
    out.push(`${f.id}: ${f.title}`);
    if (f.baselineTitle !== null) out.push(`    baseline: ${f.baselineTitle}`);
    out.push(
      `    rounds: ${f.rounds.map((r) => (r.ratio === null ? num(r.value) : `${num(r.value)}/${num(r.baseline)}=${num(r.ratio)}`)).join(', ')}`,
    );
    for (const note of f.notes) out.push(`    note: ${note}`);
  }
  return out;
}

/** Writes `bench/results/<timestamp>.json` and returns its path. */
export function writeResults(dir: string, document: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

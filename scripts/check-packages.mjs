#!/usr/bin/env node
// Fails when a package's tsup entry list and its package.json `exports` drift apart, or
// when a published package misses a field the style guide requires. Then runs publint
// --strict and @arethetypeswrong/cli (esm-only profile) on every public package.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
const packages = readdirSync(join(root, 'packages'));

for (const dir of packages) {
  const base = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
  const tsup = readFileSync(join(base, 'tsup.config.ts'), 'utf8');
  const match = tsup.match(/export const entry = (\[[^\]]*\])/);
  if (!match) {
    problems.push(`${pkg.name}: tsup.config.ts has no \`export const entry = [...]\``);
    continue;
  }
  const entries = JSON.parse(match[1]).filter((e) => e !== 'src/bin.ts');
  const fromEntries = entries.map((e) => e.replace(/^src\//, './dist/').replace(/\.ts$/, '.js')).sort();
  const fromExports = Object.entries(pkg.exports)
    .filter(([key]) => key !== './package.json')
    .map(([, value]) => value.default)
    .sort();
  if (JSON.stringify(fromEntries) !== JSON.stringify(fromExports)) {
    problems.push(`${pkg.name}: tsup entries ${fromEntries.join(', ')} ≠ exports ${fromExports.join(', ')}`);
  }
  for (const [key, value] of Object.entries(pkg.exports)) {
    if (key === './package.json') continue;
    if (Object.keys(value).join(',') !== 'types,default') {
      problems.push(`${pkg.name}: exports["${key}"] must list conditions types then default`);
    }
  }
  if (pkg.name !== `@fedtrust/${dir}`) problems.push(`${dir}: package name ${pkg.name} ≠ @fedtrust/${dir}`);
  if (pkg.type !== 'module') problems.push(`${pkg.name}: "type" must be "module"`);
  if (pkg.sideEffects !== false) problems.push(`${pkg.name}: "sideEffects" must be false`);
  if (pkg.engines?.node !== '>=22.12') problems.push(`${pkg.name}: engines.node must be ">=22.12"`);
  if (!pkg.files?.includes('dist')) problems.push(`${pkg.name}: "files" must include "dist"`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
for (const dir of packages) {
  const base = join(root, 'packages', dir);
  execFileSync(bin('publint'), ['--strict', base], { stdio: 'inherit' });
  execFileSync(bin('attw'), ['--pack', base, '--profile', 'esm-only', '--format', 'table-flipped'], {
    stdio: 'inherit',
  });
}
console.log(`checked ${packages.length} packages: exports, fields, publint --strict, attw esm-only`);

#!/usr/bin/env node
// Checks every package under packages/ the way a consumer meets it, after `npm run build`:
//  1. tsup's entry list and package.json `exports` name the same files (cli's src/bin.ts
//     goes to `bin` instead), and the fields the style guide requires are set;
//  2. the build inlines no third-party code (an import tsup cannot see declared is bundled
//     silently: the adapter-pg testing entry once shipped all of vitest) and every bare
//     import left in dist/ is a Node built-in or a declared dependency or peer;
//  3. the packed tarball holds every exported file, the bin and each `files` entry
//     (adapters ship `migrations/` next to dist);
//  4. publint --strict and @arethetypeswrong/cli (esm-only profile) pass on that tarball.
// Each package is packed once, by one `npm pack`, and the tarball is handed to both tools
// (their own packing would run npm twice per package); the tools run a few at a time.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
const packages = readdirSync(join(root, 'packages')).filter((dir) =>
  existsSync(join(root, 'packages', dir, 'package.json')),
);
const manifests = new Map();

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

for (const dir of packages) {
  const base = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
  manifests.set(dir, pkg);
  const tsup = readFileSync(join(base, 'tsup.config.ts'), 'utf8');
  const match = tsup.match(/export const entry = (\[[^\]]*\])/);
  if (!match) {
    problems.push(`${pkg.name}: tsup.config.ts has no \`export const entry = [...]\``);
    continue;
  }
  // The list is biome-formatted TypeScript (single quotes), so read its string literals, not JSON.
  const entries = [...match[1].matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]);
  const toDist = (entry) => entry.replace(/^src\//, './dist/').replace(/\.ts$/, '.js');
  const bins = Object.values(typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {}));
  const fromEntries = entries
    .map(toDist)
    .filter((file) => !bins.includes(file))
    .sort();
  const fromExports = Object.entries(pkg.exports ?? {})
    .filter(([key]) => key !== './package.json')
    .map(([, value]) => value.default)
    .sort();
  if (JSON.stringify(fromEntries) !== JSON.stringify(fromExports)) {
    problems.push(`${pkg.name}: tsup entries ${fromEntries.join(', ')} ≠ exports ${fromExports.join(', ')}`);
  }
  for (const file of bins) {
    if (!entries.map(toDist).includes(file)) problems.push(`${pkg.name}: bin ${file} is not built by tsup`);
    const built = join(base, file);
    if (existsSync(built) && !readFileSync(built, 'utf8').startsWith('#!/usr/bin/env node')) {
      problems.push(`${pkg.name}: bin ${file} does not start with #!/usr/bin/env node`);
    }
  }
  if (pkg.exports?.['./package.json'] !== './package.json') {
    problems.push(`${pkg.name}: exports must include "./package.json"`);
  }
  for (const [key, value] of Object.entries(pkg.exports ?? {})) {
    if (key === './package.json') continue;
    if (Object.keys(value).join(',') !== 'types,default') {
      problems.push(`${pkg.name}: exports["${key}"] must list conditions types then default`);
    } else if (value.types !== value.default.replace(/\.js$/, '.d.ts')) {
      problems.push(`${pkg.name}: exports["${key}"].types ${value.types} is not beside ${value.default}`);
    }
  }
  if (pkg.exports?.['.'] && pkg.types !== pkg.exports['.'].types) {
    problems.push(`${pkg.name}: "types" must equal exports["."].types`);
  }
  if (pkg.name !== `@fedtrust/${dir}`) problems.push(`${dir}: package name ${pkg.name} ≠ @fedtrust/${dir}`);
  if (pkg.type !== 'module') problems.push(`${pkg.name}: "type" must be "module"`);
  if (pkg.sideEffects !== false) problems.push(`${pkg.name}: "sideEffects" must be false`);
  if (pkg.engines?.node !== '>=22.12') problems.push(`${pkg.name}: engines.node must be ">=22.12"`);
  if (!pkg.files?.includes('dist')) problems.push(`${pkg.name}: "files" must include "dist"`);
  for (const field of ['description', 'license', 'repository']) {
    if (!pkg[field]) problems.push(`${pkg.name}: "${field}" is missing`);
  }
  if (!existsSync(join(base, 'README.md'))) problems.push(`${pkg.name}: README.md is missing`);

  const dist = join(base, 'dist');
  if (!existsSync(dist)) {
    problems.push(`${pkg.name}: no dist/ — run \`npm run build\` first`);
    continue;
  }
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  const files = walk(dist);
  for (const map of files.filter((f) => f.endsWith('.js.map'))) {
    const inlined = new Set(
      JSON.parse(readFileSync(map, 'utf8'))
        .sources.filter((source) => source.includes('node_modules/'))
        .map((source) =>
          packageOf(source.slice(source.lastIndexOf('node_modules/') + 'node_modules/'.length)),
        ),
    );
    for (const name of inlined) {
      problems.push(
        `${pkg.name}: ${relative(base, map).replace(/\.map$/, '')} inlines ${name}; declare it in dependencies or (optional) peerDependencies`,
      );
    }
  }
  const importPatterns = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    const undeclared = new Set(
      importPatterns
        .flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]))
        .filter(
          (spec) => !spec.startsWith('.') && !spec.startsWith('node:') && !builtinModules.includes(spec),
        )
        .map(packageOf)
        .filter((name) => !declared.has(name)),
    );
    for (const name of undeclared) {
      problems.push(
        `${pkg.name}: ${relative(base, file)} imports ${name}, which package.json does not declare`,
      );
    }
  }
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'fedtrust-pack-'));
try {
  const packed = JSON.parse(
    execFileSync(
      'npm',
      ['pack', '--json', '--pack-destination', out, ...packages.flatMap((dir) => ['-w', `packages/${dir}`])],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const tarballs = new Map();
  for (const dir of packages) {
    const pkg = manifests.get(dir);
    const result = packed.find((p) => p.name === pkg.name);
    if (!result) {
      problems.push(`${pkg.name}: npm pack produced no tarball`);
      continue;
    }
    tarballs.set(dir, join(out, result.filename));
    const inTarball = new Set(result.files.map((f) => f.path));
    const wanted = [
      ...Object.values(pkg.exports ?? {}).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v))),
      ...Object.values(typeof pkg.bin === 'string' ? { bin: pkg.bin } : (pkg.bin ?? {})),
    ].map((p) => p.replace(/^\.\//, ''));
    for (const file of wanted) {
      if (!inTarball.has(file)) problems.push(`${pkg.name}: ${file} is exported but not in the tarball`);
    }
    for (const entry of pkg.files ?? []) {
      if (![...inTarball].some((file) => file === entry || file.startsWith(`${entry}/`))) {
        problems.push(`${pkg.name}: "files" names ${entry}, but the tarball holds nothing from it`);
      }
    }
  }

  const bin = (name) => join(root, 'node_modules', '.bin', name);
  const run = (command, args) =>
    new Promise((resolve) => {
      execFile(
        bin(command),
        args,
        { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } },
        (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}${stderr}` }),
      );
    });
  const jobs = [...tarballs].flatMap(([dir, tarball]) => [
    {
      label: `${manifests.get(dir).name}: publint --strict`,
      command: 'publint',
      args: ['run', tarball, '--strict'],
    },
    {
      label: `${manifests.get(dir).name}: attw --profile esm-only`,
      command: 'attw',
      args: [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color'],
    },
  ]);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const { ok, output } = await run(job.command, job.args);
      if (!ok) problems.push(`${job.label} failed:\n${output.trim()}`);
    }
  };
  await Promise.all(Array.from({ length: 3 }, worker));
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `checked ${packages.length} packages: exports, fields, bundled and undeclared imports, tarball contents, publint --strict, attw esm-only`,
);

import { defineConfig } from 'tsup';

/** The one explicit entry list; scripts/check-packages.mjs keeps it and package.json `exports` in step. */
export const entry = ['src/index.ts', 'src/bin.ts'];

export default defineConfig({
  entry,
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  splitting: false,
  // The drivers the adapters take as peer dependencies; the CLI opens them itself, so they
  // must stay imports (bundling pg breaks its CommonJS requires of node built-ins).
  external: ['pg', 'better-sqlite3'],
});

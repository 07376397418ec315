import { defineConfig } from 'tsup';

/** The one explicit entry list; scripts/check-packages.mjs keeps it and package.json `exports` in step. */
export const entry = ['src/index.ts', 'src/testing/index.ts', 'src/system/index.ts'];

export default defineConfig({
  entry,
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  splitting: false,
});

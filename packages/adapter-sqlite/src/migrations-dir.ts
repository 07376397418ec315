/**
 * Where the shipped migrations live. This file sits directly in `src/` and is bundled into
 * `dist/index.js`, so `../migrations/` names the package's `migrations` folder from both.
 *
 * @module @fedtrust/adapter-sqlite
 */

/** The package's own `migrations/` directory. */
export const DEFAULT_MIGRATIONS_DIR: URL = new URL('../migrations/', import.meta.url);

/**
 * Versioned SQL migrations: file parsing, checksums, the drift rule and the refusal to
 * start on a changed applied migration. Adapters read the files and run the SQL.
 *
 * @module @fedtrust/core/migrations
 */
export * from './migration-checksum.js';
export * from './migration-error.js';
export * from './parse-migration-files.js';
export * from './plan-migrations.js';
export * from './types.js';

/**
 * Turns the migration files an adapter read into versioned migrations.
 *
 * @module @fedtrust/core/migrations
 */

import { migrationChecksum } from './migration-checksum.js';
import { MigrationError } from './migration-error.js';
import type { LoadedMigration, MigrationSource } from './types.js';

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Parses `NNNN_name.sql` files into migrations ordered by file name (hence by version),
 * each with the SHA-256 of its text. Pass every `.sql` file of the folder: a file named
 * otherwise, or two files sharing a version, throws `migration_file_invalid` rather than
 * being skipped, so a misnamed migration is never silently left out.
 */
export function parseMigrationFiles(sources: readonly MigrationSource[]): LoadedMigration[] {
  const sorted = [...sources].sort((a, b) =>
    a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0,
  );
  const migrations: LoadedMigration[] = [];
  for (const { fileName, sql } of sorted) {
    const match = FILE_NAME.exec(fileName);
    if (match === null) {
      throw new MigrationError(
        'migration_file_invalid',
        `Migration file ${fileName} is not named NNNN_name.sql.`,
        {
          details: { file: fileName },
        },
      );
    }
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new MigrationError('migration_file_invalid', `Two migration files share version ${version}.`, {
        details: { file: fileName, version },
      });
    }
    migrations.push({ version, name: match[2] ?? fileName, checksum: migrationChecksum(sql), sql });
  }
  return migrations;
}

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { migrationChecksum } from './migration-checksum.js';
import { MigrationError } from './migration-error.js';
import { parseMigrationFiles } from './parse-migration-files.js';

function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('parseMigrationFiles', () => {
  it('orders NNNN_name.sql files by version and pins each to the SHA-256 of its bytes', () => {
    const sql = 'CREATE TABLE notes (id TEXT PRIMARY KEY); -- é\n';
    const migrations = parseMigrationFiles([
      { fileName: '0002_notes.sql', sql },
      { fileName: '0001_initial.sql', sql: 'SELECT 1;' },
    ]);
    expect(migrations.map(({ version, name }) => `${version}:${name}`)).toEqual(['1:initial', '2:notes']);
    expect(migrations[1]).toEqual({
      version: 2,
      name: 'notes',
      sql,
      checksum: createHash('sha256').update(Buffer.from(sql, 'utf8')).digest('hex'),
    });
  });

  it('hashes text as its UTF-8 bytes, so a file hashed as bytes and as text agrees', () => {
    const text = '-- naïve ✓\nSELECT 1;';
    expect(migrationChecksum(text)).toBe(migrationChecksum(new TextEncoder().encode(text)));
    expect(migrationChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each(['extra.sql', '1_short.sql', '0001_Upper.sql', '0001-dash.sql', '0001_name.SQL'])(
    'refuses %s with migration_file_invalid instead of skipping it',
    (fileName) => {
      const error = refusal(() =>
        parseMigrationFiles([
          { fileName: '0001_initial.sql', sql: '' },
          { fileName, sql: '' },
        ]),
      );
      expect(error).toBeInstanceOf(MigrationError);
      expect(isFedtrustError(error) && error.code).toBe('migration_file_invalid');
      expect(isFedtrustError(error) && error.details).toEqual({ file: fileName });
      expect(isFedtrustError(error) && error.remediation).toMatch(/NNNN_name\.sql/);
    },
  );

  it('refuses two files that share a version', () => {
    const error = refusal(() =>
      parseMigrationFiles([
        { fileName: '0001_initial.sql', sql: '' },
        { fileName: '0001_again.sql', sql: '' },
      ]),
    );
    expect(isFedtrustError(error) && error.code).toBe('migration_file_invalid');
    expect(isFedtrustError(error) && error.details).toEqual({ file: '0001_initial.sql', version: 1 });
    expect((error as Error).message).toBe('Two migration files share version 1.');
  });
});

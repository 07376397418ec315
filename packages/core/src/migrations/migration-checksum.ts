/**
 * The checksum that pins an applied migration to its file.
 *
 * @module @fedtrust/core/migrations
 */
import { createHash } from 'node:crypto';

/**
 * SHA-256 hex of a migration's content. Text is hashed as its UTF-8 bytes, so for a file
 * that is valid UTF-8 this equals the hash of the file's bytes, as recorded in
 * `schema_migrations` by every earlier release.
 */
export function migrationChecksum(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

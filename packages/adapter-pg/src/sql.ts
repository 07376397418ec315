/**
 * Identifier quoting and schema-name validation.
 *
 * @module @fedtrust/adapter-pg
 */
import { schemaInvalid } from './errors.js';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Quotes an SQL identifier (doubling embedded quotes). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Returns `schema` when it is a plain identifier of at most 63 bytes; throws `pg_schema_invalid` otherwise. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw schemaInvalid(schema);
  }
  return schema;
}

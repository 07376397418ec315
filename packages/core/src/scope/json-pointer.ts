/**
 * RFC 6901 JSON pointers for scope issue paths and deny clauses.
 *
 * @module @fedtrust/core/scope
 */
/** RFC 6901 JSON pointer of a path (`['filters', 'a/b']` → `/filters/a~1b`); the whole document is `''`. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  let pointer = '';
  for (const segment of path) {
    pointer += '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
  }
  return pointer;
}

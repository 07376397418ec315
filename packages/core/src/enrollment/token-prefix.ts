/**
 * The loggable prefix of a token.
 *
 * @module @fedtrust/core/enrollment
 */
/** Length of the token prefix that may be logged or shown. */
export const TOKEN_PREFIX_LENGTH = 8;

/**
 * The first 8 characters of a token: the most of a secret fedtrust ever logs, stores in
 * clear or shows an operator, enough to tell tokens apart and useless for guessing one.
 */
export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX_LENGTH);
}

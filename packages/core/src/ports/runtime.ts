/**
 * Small ports through which core receives time, randomness and a log sink. Core never
 * reads the system clock or `crypto.getRandomValues` itself, so every rule is
 * deterministic under test.
 *
 * @module @fedtrust/core/ports
 */

/** Source of the current instant. */
export interface Clock {
  now(): Date;
}

/** Source of randomness. Production hosts pass `systemRandom` from an adapter or `crypto`. */
export interface Random {
  /** `n` cryptographically strong random bytes. */
  bytes(n: number): Uint8Array;
  /** A random RFC 4122 version-4 UUID, lower case. */
  uuid(): string;
}

/** Structured log sink. Fields must never contain secrets; fedtrust passes at most 8-character prefixes. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything; the default wherever a logger is optional. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

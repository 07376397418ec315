/**
 * The sealing port: authenticated encryption of secrets at rest.
 *
 * @module @fedtrust/core/ports
 */

/**
 * Seals secrets (AES-256-GCM in the shipped implementation) into self-describing
 * envelopes that name the key id, so keys can rotate while old envelopes still open.
 */
export interface Sealer {
  /** Key id new envelopes are sealed under. */
  readonly currentKeyId: string;
  /** Seal `plaintext`; `context` is bound as additional authenticated data (e.g. the record id). */
  seal(plaintext: Uint8Array, context: string): Promise<string>;
  /** Open an envelope; throws `FedtrustError` `seal_key_unknown` or `seal_open_failed`. */
  open(envelope: string, context: string): Promise<Uint8Array>;
  /** The key id an envelope was sealed under, without opening it. */
  keyIdOf(envelope: string): string;
}

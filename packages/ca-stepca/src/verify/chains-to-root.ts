/**
 * Path validation of a leaf against the pinned root, with pkijs.
 *
 * @module @fedtrust/ca-stepca
 */
import * as pkijs from 'pkijs';

/** Why a chain did not validate, or `null` when it did. */
export type ChainProblem = { kind: 'expired' | 'untrusted' | 'malformed'; message: string } | null;

/**
 * Validates `leaf` up to `root` through `intermediates` at instant `at`: signatures, name
 * chaining, CA flags and validity periods. Never throws; any failure is a problem.
 */
export async function chainsToRoot(
  leaf: Uint8Array,
  intermediates: Uint8Array[],
  root: Uint8Array,
  at: Date,
): Promise<ChainProblem> {
  let engine: pkijs.CertificateChainValidationEngine;
  try {
    const parse = (der: Uint8Array) => pkijs.Certificate.fromBER(der);
    engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: [parse(root)],
      // pkijs treats the last certificate as the end entity.
      certs: [...intermediates.map(parse), parse(leaf)],
      checkDate: at,
    });
  } catch (error) {
    return { kind: 'malformed', message: error instanceof Error ? error.message : String(error) };
  }
  try {
    const result = await engine.verify();
    if (result.result) return null;
    return { kind: result.resultCode === 8 ? 'expired' : 'untrusted', message: result.resultMessage };
  } catch (error) {
    const code = (error as { resultCode?: unknown }).resultCode;
    const message =
      (error as { resultMessage?: unknown }).resultMessage ??
      (error instanceof Error ? error.message : String(error));
    return { kind: code === 8 ? 'expired' : 'untrusted', message: String(message) };
  }
}

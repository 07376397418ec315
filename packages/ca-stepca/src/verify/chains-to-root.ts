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
 * chaining, CA flags, path length constraints and validity periods. Never throws; any
 * failure is a problem.
 */
export async function chainsToRoot(
  leaf: Uint8Array,
  intermediates: Uint8Array[],
  root: Uint8Array,
  at: Date,
): Promise<ChainProblem> {
  let engine: pkijs.CertificateChainValidationEngine;
  let end: pkijs.Certificate;
  try {
    const parse = (der: Uint8Array) => pkijs.Certificate.fromBER(der);
    end = parse(leaf);
    engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: [parse(root)],
      // pkijs treats the last certificate as the end entity.
      certs: [...intermediates.map(parse), end],
      checkDate: at,
    });
  } catch (error) {
    return { kind: 'malformed', message: error instanceof Error ? error.message : String(error) };
  }
  try {
    const result = await engine.verify();
    if (!result.result) {
      return { kind: result.resultCode === 8 ? 'expired' : 'untrusted', message: result.resultMessage };
    }
    // After verify, `certs` is the validated path, leaf first and the trusted root last.
    // pkijs drops certificates with the same TBS as an earlier one, so a validly signed
    // twin among the intermediates would be validated in place of a leaf whose own
    // signature is broken: the path must start with this very leaf.
    if (engine.certs[0] !== end) {
      return { kind: 'untrusted', message: 'the validated path does not start with this leaf' };
    }
    return pathLengthProblem(engine.certs);
  } catch (error) {
    const code = (error as { resultCode?: unknown }).resultCode;
    const message =
      (error as { resultMessage?: unknown }).resultMessage ??
      (error instanceof Error ? error.message : String(error));
    return { kind: code === 8 ? 'expired' : 'untrusted', message: String(message) };
  }
}

/**
 * pkijs checks that every issuer is a CA but ignores `pathLenConstraint`, so an
 * intermediate limited to issuing leaves could have vouched for a sub-CA (RFC 5280
 * 4.2.1.9: the count excludes the leaf and self-issued certificates).
 */
function pathLengthProblem(path: pkijs.Certificate[]): ChainProblem {
  for (let k = 1; k < path.length; k++) {
    const constraint = (path[k] as pkijs.Certificate).extensions?.find((e) => e.extnID === '2.5.29.19')
      ?.parsedValue as pkijs.BasicConstraints | undefined;
    const limit = constraint?.pathLenConstraint;
    if (limit === undefined) continue;
    const below = path.slice(1, k).filter((c) => !c.subject.isEqual(c.issuer)).length;
    if (typeof limit !== 'number' || below > limit) {
      return {
        kind: 'untrusted',
        message: `certificate ${k} of the path allows ${String(limit)} intermediates below it, the path has ${below}`,
      };
    }
  }
  return null;
}

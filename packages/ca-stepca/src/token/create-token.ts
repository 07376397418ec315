/**
 * One-time tokens for step-ca's JWK provisioner.
 *
 * @module @fedtrust/ca-stepca
 */
import { SignJWT } from 'jose';
import type { ProvisionerKey } from '../provisioner/load-provisioner.js';

/** The token claim carrying the base64 DER of the grant-id extension value. */
export const GRANT_ID_CLAIM = 'fedtrust_grant_id_der';
/** The token claim carrying the base64 DER of the subject-user-id extension value. */
export const SUBJECT_USER_ID_CLAIM = 'fedtrust_subject_user_id_der';

/** step-ca's own clients use five minutes; long enough for a slow CA, short enough to be one-time. */
export const TOKEN_TTL_SECONDS = 300;

export interface TokenInput {
  provisioner: Pick<ProvisionerKey, 'name' | 'kid' | 'alg' | 'privateKey'>;
  /** Full endpoint URL the token is for, e.g. `https://ca:9000/1.0/sign`. */
  audience: string;
  /** The common name for `/sign`, the decimal serial for `/revoke`. */
  subject: string;
  sans?: string[];
  now: Date;
  /** A random, unique token id; step-ca refuses a `jti` it has seen. */
  jti: string;
  /** Lower-case hex SHA-256 of the root's DER, as step's own tokens carry it. */
  rootFingerprint: string;
  /** Additional claims (the identity extension values). */
  claims?: Record<string, unknown>;
}

/** Signs a provisioner token step-ca accepts: `iss` = provisioner name, header `kid` = its key id. */
export async function createToken(input: TokenInput): Promise<string> {
  const iat = Math.floor(input.now.getTime() / 1000);
  return new SignJWT({
    ...input.claims,
    ...(input.sans === undefined ? {} : { sans: input.sans }),
    sha: input.rootFingerprint,
  })
    .setProtectedHeader({ alg: input.provisioner.alg, kid: input.provisioner.kid, typ: 'JWT' })
    .setIssuer(input.provisioner.name)
    .setSubject(input.subject)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + TOKEN_TTL_SECONDS)
    .setJti(input.jti)
    .sign(input.provisioner.privateKey);
}

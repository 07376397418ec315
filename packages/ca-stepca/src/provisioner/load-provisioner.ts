/**
 * Finds a JWK provisioner in step-ca's `/provisioners` list and decrypts its key.
 *
 * @module @fedtrust/ca-stepca
 */
import { type CryptoKey, calculateJwkThumbprint, compactDecrypt, importJWK, type JWK } from 'jose';
import { StepCaError } from '../errors.js';
import { type CaConnection, caMessage, caRequest } from '../http/ca-request.js';
import { parseGoDuration } from './go-duration.js';

/** A decrypted JWK provisioner: what signing one-time tokens needs. */
export interface ProvisionerKey {
  name: string;
  /** The `kid` step-ca looks the provisioner up by (with `iss`). */
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  /** Certificate lifetime bounds in seconds from the provisioner's claims, where it sets them. */
  claims: { minSeconds?: number; maxSeconds?: number; defaultSeconds?: number; disableRenewal?: boolean };
}

interface ListedProvisioner {
  type?: unknown;
  name?: unknown;
  key?: JWK & { kid?: string };
  encryptedKey?: unknown;
  claims?: Record<string, unknown>;
}

const ALG_BY_CURVE: Record<string, string> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};
/** step-ca encrypts provisioner keys with 100 000 PBKDF2 iterations; allow ten times that, no more. */
const MAX_PBES2_COUNT = 1_000_000;
const PAGE_LIMIT = 100;

/**
 * Loads the named JWK provisioner and decrypts its `encryptedKey` with the password.
 * Fails closed with `ca_bad_credentials` when the provisioner is missing, has no
 * encrypted key, the password (or the ciphertext) is wrong, or the decrypted key is not
 * the private half of the key the CA verifies tokens with.
 */
export async function loadProvisioner(
  connection: CaConnection,
  credentials: { name: string; password: string },
): Promise<ProvisionerKey> {
  const listed = await findProvisioner(connection, credentials.name);
  const publicJwk = listed.key;
  if (
    publicJwk === undefined ||
    typeof publicJwk.kid !== 'string' ||
    typeof listed.encryptedKey !== 'string'
  ) {
    throw new StepCaError(
      'ca_bad_credentials',
      `provisioner "${credentials.name}" has no key fedtrust can use (a JWK provisioner with an encryptedKey is required)`,
      { details: { provisioner: credentials.name } },
    );
  }
  let privateJwk: JWK;
  try {
    const { plaintext } = await compactDecrypt(
      listed.encryptedKey,
      new TextEncoder().encode(credentials.password),
      {
        keyManagementAlgorithms: ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'],
        contentEncryptionAlgorithms: ['A128GCM', 'A192GCM', 'A256GCM'],
        maxPBES2Count: MAX_PBES2_COUNT,
      },
    );
    privateJwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
  } catch (error) {
    throw new StepCaError(
      'ca_bad_credentials',
      `the encrypted key of provisioner "${credentials.name}" cannot be decrypted with the configured password`,
      { cause: error, details: { provisioner: credentials.name } },
    );
  }
  if (typeof privateJwk.d !== 'string' || !(await samePublicKey(privateJwk, publicJwk))) {
    throw new StepCaError(
      'ca_bad_credentials',
      `the decrypted key of provisioner "${credentials.name}" is not the private half of its published key`,
      { details: { provisioner: credentials.name, kid: publicJwk.kid } },
    );
  }
  const alg = publicJwk.alg ?? ALG_BY_CURVE[publicJwk.crv ?? ''];
  if (alg === undefined) {
    throw new StepCaError(
      'ca_bad_credentials',
      `provisioner "${credentials.name}" uses an unsupported key type`,
      {
        details: { provisioner: credentials.name, kty: publicJwk.kty, crv: publicJwk.crv },
      },
    );
  }
  // Non-extractable whatever `ext` the JWK declares: the key only ever signs tokens.
  const privateKey = (await importJWK({ ...privateJwk, alg }, alg, { extractable: false })) as CryptoKey;
  const claims = listed.claims ?? {};
  return {
    name: credentials.name,
    kid: publicJwk.kid,
    alg,
    privateKey,
    claims: {
      ...optional('minSeconds', parseGoDuration(claims['minTLSCertDuration'])),
      ...optional('maxSeconds', parseGoDuration(claims['maxTLSCertDuration'])),
      ...optional('defaultSeconds', parseGoDuration(claims['defaultTLSCertDuration'])),
      ...(typeof claims['disableRenewal'] === 'boolean' ? { disableRenewal: claims['disableRenewal'] } : {}),
    },
  };
}

async function findProvisioner(connection: CaConnection, name: string): Promise<ListedProvisioner> {
  let cursor = '';
  // A bounded walk: a CA with more than 100 pages of provisioners is misconfigured, not a reason to loop.
  for (let page = 0; page < 100; page++) {
    const query = `?limit=${PAGE_LIMIT}${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await caRequest(connection, 'GET', `/1.0/provisioners${query}`);
    if (response.status !== 200) {
      throw new StepCaError(
        'ca_unreachable',
        `step-ca did not list its provisioners: ${caMessage(response)}`,
        {
          details: { caStatus: response.status },
        },
      );
    }
    const body = response.body as { provisioners?: ListedProvisioner[]; nextCursor?: unknown } | null;
    const found = body?.provisioners?.find((p) => p.type === 'JWK' && p.name === name);
    if (found !== undefined) return found;
    if (typeof body?.nextCursor !== 'string' || body.nextCursor === '') break;
    cursor = body.nextCursor;
  }
  throw new StepCaError('ca_bad_credentials', `step-ca has no JWK provisioner named "${name}"`, {
    details: { provisioner: name },
  });
}

/**
 * RFC 7638 thumbprints cover exactly the public members of each key type (EC crv/x/y, RSA
 * e/n, OKP crv/x); comparing a fixed list of fields let an RSA key with another modulus pass.
 */
async function samePublicKey(privateJwk: JWK, publicJwk: JWK): Promise<boolean> {
  try {
    return (await calculateJwkThumbprint(privateJwk)) === (await calculateJwkThumbprint(publicJwk));
  } catch {
    return false;
  }
}

function optional<K extends string>(key: K, value: number | null): Partial<Record<K, number>> {
  return value === null ? {} : ({ [key]: value } as Record<K, number>);
}

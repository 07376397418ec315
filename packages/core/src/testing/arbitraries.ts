/**
 * fast-check arbitraries and certificate builders for property tests of fedtrust and of
 * every adapter: valid scopes for a catalogue, identity UUID pairs, and real X.509
 * certificates carrying (or deliberately mangling) the identity extensions.
 *
 * @module @fedtrust/core/testing
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { identityOids } from '../oid/identity-oids.js';
import type { Identity } from '../oid/types.js';
import type { ResourceCatalogue } from '../scope/define-resources.js';
import { DATA_VERBS } from '../scope/scope-schema.js';
import type { ResourceFilter, Scope } from '../scope/types.js';

/** Team ids the scope arbitrary draws `include_teams` from unless told otherwise. */
export const DEFAULT_ARBITRARY_TEAMS = ['team-a', 'team-b', 'team-c', 'ops'] as const;

/**
 * Scopes that `parseScope(scope, catalogue)` accepts and returns unchanged: every optional
 * field sometimes present, sometimes absent; filters complete (`include_personal` set);
 * every sensitive granted resource approved.
 */
export function scopeArbitrary(
  catalogue: ResourceCatalogue,
  options: { teams?: readonly string[] } = {},
): fc.Arbitrary<Scope> {
  const teams = options.teams ?? DEFAULT_ARBITRARY_TEAMS;
  const filter: fc.Arbitrary<ResourceFilter> = fc
    .record({
      include_teams: fc.option(fc.shuffledSubarray([...teams]), { nil: undefined }),
      include_personal: fc.boolean(),
    })
    .map(({ include_teams, include_personal }) =>
      include_teams === undefined ? { include_personal } : { include_teams, include_personal },
    );
  return fc.shuffledSubarray([...catalogue.names], { minLength: 1 }).chain((resources) => {
    const others = catalogue.names.filter((name) => !resources.includes(name));
    return fc
      .record({
        excluded: fc.option(fc.shuffledSubarray(others), { nil: undefined }),
        filtered: fc.option(fc.shuffledSubarray(resources), { nil: undefined }),
        filterValues: fc.array(filter, { minLength: resources.length, maxLength: resources.length }),
        max: fc.integer({ min: 1, max: 10_000 }),
        verbs: fc.option(fc.shuffledSubarray([...DATA_VERBS], { minLength: 1 }), { nil: undefined }),
        listApprovals: fc.boolean(),
      })
      .map(({ excluded, filtered, filterValues, max, verbs, listApprovals }): Scope => {
        const scope: Scope = { resources, max_rows_per_query: max };
        if (excluded !== undefined) scope.excluded_resources = excluded;
        if (filtered !== undefined) {
          scope.filters = Object.fromEntries(filtered.map((name, i) => [name, filterValues[i]!]));
        }
        if (verbs !== undefined) scope.verbs = verbs;
        const sensitive = resources.filter((name) => catalogue.isSensitive(name));
        if (sensitive.length > 0 || listApprovals) scope.approved_sensitive = sensitive;
        return scope;
      });
  });
}

/** Canonical lower-case UUIDs (any version), the only form identity extensions carry. */
export function uuidArbitrary(): fc.Arbitrary<string> {
  return fc.uuid().map((uuid) => uuid.toLowerCase());
}

/** A grant id and subject user id. */
export function uuidPairArbitrary(): fc.Arbitrary<Identity> {
  return fc.record({ grantId: uuidArbitrary(), subjectUserId: uuidArbitrary() });
}

/** An ECDSA P-256 key pair for {@link identityCertificate}; generate one and reuse it across a property. */
export async function identityKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

type IdentityField = keyof Identity;

export interface IdentityCertificateOptions {
  identity: Identity;
  /** Signs the certificate and is its subject key (self-signed); generated when absent. */
  keys?: webcrypto.CryptoKeyPair;
  arc?: string;
  /** Hex serial; defaults to one derived from the grant id, so it is deterministic. */
  serialNumber?: string;
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Leave this extension out. */
  omit?: IdentityField;
  /** Add this extension a second time (same value). */
  duplicate?: IdentityField;
  /** Encode this value as a PrintableString instead of a UTF8String. */
  printableString?: IdentityField;
  /** Use these raw bytes as the extnValue contents instead of the encoded UUID. */
  rawValue?: Partial<Record<IdentityField, Uint8Array>>;
  /** Extra extensions (placed before the identity ones). */
  extensions?: x509.Extension[];
}

export interface IdentityCertificate {
  der: Uint8Array;
  pem: string;
  certificate: x509.X509Certificate;
}

const FIXED_NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
const FIXED_NOT_AFTER = new Date('2124-01-01T00:00:00Z');

/**
 * A real certificate built with `@peculiar/x509` carrying the identity extensions — or,
 * through the options, a certificate with one omitted, duplicated, PrintableString-encoded
 * or replaced by raw bytes, to provoke each `IdentityError` code. Values are written as
 * given (no UUID validation), so malformed identities can be tested too.
 */
export async function identityCertificate(options: IdentityCertificateOptions): Promise<IdentityCertificate> {
  const keys = options.keys ?? (await identityKeyPair());
  const oids = identityOids(options.arc);
  const extensions: x509.Extension[] = [...(options.extensions ?? [])];
  for (const field of ['grantId', 'subjectUserId'] as const) {
    if (options.omit === field) continue;
    const oid = field === 'grantId' ? oids.grantId : oids.subjectUserId;
    const value =
      options.rawValue?.[field] ??
      stringValue(options.identity[field], options.printableString === field ? 0x13 : 0x0c);
    extensions.push(new x509.Extension(oid, false, value));
    if (options.duplicate === field) extensions.push(new x509.Extension(oid, false, value));
  }
  const name = `CN=${options.commonName ?? 'fedtrust-test-peer'}`;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? '01' + options.identity.grantId.replaceAll('-', '').slice(0, 16),
    subject: name,
    issuer: name,
    notBefore: options.notBefore ?? FIXED_NOT_BEFORE,
    notAfter: options.notAfter ?? FIXED_NOT_AFTER,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    // node's webcrypto key types and the DOM-style ones @peculiar/x509 declares are the same objects.
    publicKey: keys.publicKey as unknown as x509.X509CertificateCreateWithKeyParams['publicKey'],
    signingKey: keys.privateKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    extensions,
  });
  return { der: new Uint8Array(certificate.rawData), pem: certificate.toString('pem'), certificate };
}

/** DER string of `tag` (0x0c UTF8String, 0x13 PrintableString) holding `value`. */
function stringValue(value: string, tag: number): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  const length =
    bytes.length < 0x80
      ? [bytes.length]
      : bytes.length < 0x100
        ? [0x81, bytes.length]
        : [0x82, bytes.length >> 8, bytes.length & 0xff];
  return Uint8Array.of(tag, ...length, ...bytes);
}

import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { identityCertificate, identityKeyPair, uuidPairArbitrary } from '../testing/arbitraries.js';
import { encodeIdentity } from './encode-identity.js';
import { identifyConnection } from './identify-connection.js';
import { IdentityError } from './identity-error.js';
import { identityOids } from './identity-oids.js';
import { readIdentity } from './read-identity.js';
import { normalizeSerialHex } from './serial-hex.js';
import type { Identity } from './types.js';

const identity: Identity = {
  grantId: '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40',
  subjectUserId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
};

let keys: webcrypto.CryptoKeyPair;
let valid: Uint8Array;

beforeAll(async () => {
  keys = await identityKeyPair();
  // A realistic leaf: other extensions around the identity ones, a serial with its high bit set.
  valid = (
    await identityCertificate({
      identity,
      keys,
      serialNumber: '8f11223344556677',
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ],
    })
  ).der;
});

const utf8 = (text: string) => Uint8Array.of(0x0c, text.length, ...Buffer.from(text, 'latin1'));

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof IdentityError ? error.code : `unexpected ${String(error)}`;
  }
  return 'no error';
}

describe('readIdentity on real certificates', () => {
  it('reads back the identity of a certificate with other extensions around it', () => {
    expect(readIdentity(valid)).toEqual(identity);
  });

  it('round-trips 1,000 generated UUID pairs through certificates built with @peculiar/x509', async () => {
    await fc.assert(
      fc.asyncProperty(uuidPairArbitrary(), async (pair) => {
        const { der } = await identityCertificate({ identity: pair, keys });
        expect(readIdentity(der)).toEqual(pair);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads certificates whose extension values come from encodeIdentity, under a custom arc', async () => {
    const arc = '1.3.6.1.4.1.55555.7';
    const encoded = encodeIdentity(identity, arc);
    const { der } = await identityCertificate({
      identity,
      keys,
      arc,
      rawValue: { grantId: encoded.grantId.der, subjectUserId: encoded.subjectUserId.der },
    });
    expect(readIdentity(der, arc)).toEqual(identity);
    expect(codeOf(() => readIdentity(der))).toBe('identity_missing');
  });

  it('gives identity_duplicate for a certificate carrying the grant id extension twice', async () => {
    const { der } = await identityCertificate({ identity, keys, duplicate: 'grantId' });
    expect(codeOf(() => readIdentity(der))).toBe('identity_duplicate');
  });

  it('gives identity_malformed for a PrintableString value', async () => {
    const { der } = await identityCertificate({ identity, keys, printableString: 'subjectUserId' });
    expect(codeOf(() => readIdentity(der))).toBe('identity_malformed');
  });

  it('gives identity_malformed for a 35-character value', async () => {
    const short = { ...identity, grantId: identity.grantId.slice(0, 35) };
    const { der } = await identityCertificate({ identity: short, keys });
    expect(codeOf(() => readIdentity(der))).toBe('identity_malformed');
  });

  it('gives identity_missing when the subject user id extension is absent', async () => {
    const { der } = await identityCertificate({ identity, keys, omit: 'subjectUserId' });
    expect(codeOf(() => readIdentity(der))).toBe('identity_missing');
  });

  it('gives identity_missing for a certificate without any extensions', async () => {
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: 'CN=plain',
      issuer: 'CN=plain',
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2124-01-01T00:00:00Z'),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: keys.publicKey as unknown as x509.X509CertificateCreateWithKeyParams['publicKey'],
      signingKey: keys.privateKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    });
    expect(codeOf(() => readIdentity(new Uint8Array(certificate.rawData)))).toBe('identity_missing');
  });

  it.each([
    ['an upper-case UUID', utf8(identity.grantId.toUpperCase())],
    ['a 37-character value', utf8(`${identity.grantId}0`)],
    ['36 characters that are not a UUID', utf8('0b7e6c2a-4f1d-4c3e-9a55_2d8f7e1c9b40')],
    ['bytes after the UTF8String', Uint8Array.of(...utf8(identity.grantId), 0x00)],
    ['a long-form length on the UTF8String', Uint8Array.of(0x0c, 0x81, 36, ...Buffer.from(identity.grantId))],
    ['an empty value', new Uint8Array(0)],
  ])('gives identity_malformed for %s', async (_name, raw) => {
    const { der } = await identityCertificate({ identity, keys, rawValue: { grantId: raw } });
    expect(codeOf(() => readIdentity(der))).toBe('identity_malformed');
  });

  it('gives identity_malformed for bytes after the certificate', () => {
    expect(codeOf(() => readIdentity(Uint8Array.of(...valid, 0x00)))).toBe('identity_malformed');
  });

  it('gives identity_malformed for input that is not bytes', () => {
    expect(codeOf(() => readIdentity('MIIB' as unknown as Uint8Array))).toBe('identity_malformed');
  });
});

describe('readIdentity on broken DER', () => {
  it('gives identity_malformed for every truncation of a valid certificate', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(codeOf(() => readIdentity(valid.subarray(0, length)))).toBe('identity_malformed');
    }
  });

  /** Where each identity value's 36 UUID characters sit inside the certificate. */
  function valueOffset(value: string): number {
    const offset = Buffer.from(valid).indexOf(Buffer.from(utf8(value)));
    expect(offset).toBeGreaterThan(0);
    return offset + 2;
  }

  it('10,000 single-byte mutations give the original identity, a FedtrustError, or exactly the mutated UUID character', () => {
    const grantAt = valueOffset(identity.grantId);
    const subjectAt = valueOffset(identity.subjectUserId);
    const mutation = fc.record({
      position: fc.integer({ min: 0, max: valid.length - 1 }),
      delta: fc.integer({ min: 1, max: 255 }),
    });
    let errors = 0;
    fc.assert(
      fc.property(mutation, ({ position, delta }) => {
        const mutated = Uint8Array.from(valid);
        const byte = (mutated[position]! + delta) % 256;
        mutated[position] = byte;
        let result: Identity;
        try {
          result = readIdentity(mutated);
        } catch (error) {
          expect(isFedtrustError(error)).toBe(true);
          errors++;
          return;
        }
        // The walker does not verify signatures (TLS did), so a change inside a value that
        // still spells a canonical UUID is read as that UUID; anywhere else, nothing changes.
        const expected = { ...identity };
        const char = String.fromCharCode(byte);
        if (position >= grantAt && position < grantAt + 36) {
          const i = position - grantAt;
          expected.grantId = identity.grantId.slice(0, i) + char + identity.grantId.slice(i + 1);
        } else if (position >= subjectAt && position < subjectAt + 36) {
          const i = position - subjectAt;
          expected.subjectUserId =
            identity.subjectUserId.slice(0, i) + char + identity.subjectUserId.slice(i + 1);
        }
        expect(result).toEqual(expected);
      }),
      { numRuns: 10_000 },
    );
    expect(errors).toBeGreaterThan(0);
  });

  it('multi-byte mutations and splices give an Identity or a FedtrustError, never another exception', () => {
    const edit = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 2,
      maxLength: 8,
    });
    fc.assert(
      fc.property(edit, fc.nat(), fc.uint8Array({ maxLength: 8 }), (edits, at, inserted) => {
        const mutated = Uint8Array.from(valid);
        for (const [position, byte] of edits) mutated[position % mutated.length] = byte;
        const cut = at % mutated.length;
        const spliced = Uint8Array.of(...mutated.subarray(0, cut), ...inserted, ...mutated.subarray(cut));
        for (const der of [mutated, spliced]) {
          try {
            const result = readIdentity(der);
            expect(Object.keys(result)).toEqual(['grantId', 'subjectUserId']);
          } catch (error) {
            expect(isFedtrustError(error)).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes give a FedtrustError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(codeOf(() => readIdentity(bytes))).toMatch(/^identity_(malformed|missing|duplicate)$/);
      }),
      { numRuns: 2000 },
    );
  });
});

/** DER length octets: short form below 0x80, else the minimal long form. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag: number, ...parts: ArrayLike<number>[]): number[] => {
  const body = parts.flatMap((part) => Array.from(part));
  return [tag, ...derLength(body.length), ...body];
};

/**
 * A hand-built certificate skeleton: the walker never looks inside the algorithm, name,
 * validity and key fields, so empty SEQUENCEs stand in for them. Every field can be replaced
 * to place bytes where no certificate library would put them.
 */
function handBuilt(
  parts: {
    version?: number[];
    serial?: number[];
    afterKey?: number[];
    extensions?: number[][];
    extensionBlock?: number[];
    signatureAlgorithm?: number[];
  } = {},
): Uint8Array {
  const oids = identityOids();
  const extensions = parts.extensions ?? [
    extension(oids.grantIdBytes, utf8(identity.grantId)),
    extension(oids.subjectUserIdBytes, utf8(identity.subjectUserId)),
  ];
  const tbs = tlv(
    0x30,
    parts.version ?? tlv(0xa0, tlv(0x02, [2])),
    tlv(0x02, parts.serial ?? [0x01]),
    tlv(0x30),
    tlv(0x30),
    tlv(0x30),
    tlv(0x30),
    tlv(0x30),
    parts.afterKey ?? [],
    parts.extensionBlock ?? tlv(0xa3, tlv(0x30, ...extensions)),
  );
  return Uint8Array.from(tlv(0x30, tbs, parts.signatureAlgorithm ?? tlv(0x30), tlv(0x03, [0])));
}
function extension(oid: ArrayLike<number>, value: ArrayLike<number>, critical?: number): number[] {
  return tlv(0x30, tlv(0x06, oid), critical === undefined ? [] : tlv(0x01, [critical]), tlv(0x04, value));
}
/** The content of the hand-built certificate SEQUENCE, to re-wrap under another length form. */
function certificateBody(): Uint8Array {
  const der = handBuilt();
  return der.subarray(der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f));
}
const grantOid = () => identityOids().grantIdBytes;
const subjectExtension = () => extension(identityOids().subjectUserIdBytes, utf8(identity.subjectUserId));

describe('readIdentity on hand-built DER', () => {
  it('reads the identity of the hand-built skeleton, so each case below changes one thing', () => {
    expect(readIdentity(handBuilt())).toEqual(identity);
  });

  it.each([
    [
      'inside the signature algorithm parameters',
      handBuilt({
        extensions: [],
        signatureAlgorithm: tlv(0x30, tlv(0xa3, tlv(0x30, extension(grantOid(), utf8(identity.grantId))))),
      }),
    ],
    [
      'inside the issuerUniqueID bits',
      handBuilt({
        extensions: [subjectExtension()],
        afterKey: tlv(0x81, [0], extension(grantOid(), utf8(identity.grantId))),
      }),
    ],
    [
      "inside another extension's value",
      handBuilt({
        extensions: [
          extension([0x55, 0x1d, 0x11], tlv(0x30, extension(grantOid(), utf8(identity.grantId)))),
          subjectExtension(),
        ],
      }),
    ],
    [
      'under <arc>.1.10',
      handBuilt({
        extensions: [
          extension([...grantOid().subarray(0, -1), 10], utf8(identity.grantId)),
          subjectExtension(),
        ],
      }),
    ],
    [
      'under <arc>.1.1.5',
      handBuilt({ extensions: [extension([...grantOid(), 5], utf8(identity.grantId)), subjectExtension()] }),
    ],
    [
      'under a non-minimal encoding of <arc>.1.1',
      handBuilt({
        extensions: [
          extension([...grantOid().subarray(0, -1), 0x80, 0x01], utf8(identity.grantId)),
          subjectExtension(),
        ],
      }),
    ],
  ])('ignores a grant id extension %s (identity_missing)', (_name, der) => {
    expect(codeOf(() => readIdentity(der))).toBe('identity_missing');
  });

  it.each([
    ['an indefinite length', () => Uint8Array.of(0x30, 0x80, ...certificateBody(), 0, 0)],
    [
      'a five-byte length',
      () => Uint8Array.of(0x30, 0x85, 0, 0, 0, 0, certificateBody().length, ...certificateBody()),
    ],
    [
      'a length far beyond the input',
      () => Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, ...certificateBody()),
    ],
    [
      'a BER constructed OCTET STRING value',
      () =>
        handBuilt({
          extensions: [
            tlv(0x30, tlv(0x06, grantOid()), tlv(0x24, tlv(0x04, utf8(identity.grantId)))),
            subjectExtension(),
          ],
        }),
    ],
    [
      'bytes after the extension list inside [3]',
      () =>
        handBuilt({
          extensionBlock: tlv(
            0xa3,
            tlv(0x30, extension(grantOid(), utf8(identity.grantId)), subjectExtension()),
            [0x05, 0x00],
          ),
        }),
    ],
    [
      'a second extensions block',
      () =>
        Uint8Array.from(
          tlv(
            0x30,
            tlv(
              0x30,
              tlv(0xa0, tlv(0x02, [2])),
              tlv(0x02, [1]),
              tlv(0x30),
              tlv(0x30),
              tlv(0x30),
              tlv(0x30),
              tlv(0x30),
              tlv(0xa3, tlv(0x30, subjectExtension())),
              tlv(0xa3, tlv(0x30, extension(grantOid(), utf8(identity.grantId)))),
            ),
            tlv(0x30),
            tlv(0x03, [0]),
          ),
        ),
    ],
    ['a v1 certificate (no version field) carrying extensions', () => handBuilt({ version: [] })],
    ['a v2 certificate carrying extensions', () => handBuilt({ version: tlv(0xa0, tlv(0x02, [1])) })],
    [
      'an explicitly encoded v1 version',
      () => handBuilt({ version: tlv(0xa0, tlv(0x02, [0])), extensionBlock: [] }),
    ],
    ['a version field that is not an INTEGER', () => handBuilt({ version: tlv(0xa0, [0xde, 0xad]) })],
    ['an unknown version 4', () => handBuilt({ version: tlv(0xa0, tlv(0x02, [3])) })],
    [
      'an issuerUniqueID in a v1 certificate',
      () => handBuilt({ version: [], afterKey: tlv(0x81, [0]), extensionBlock: [] }),
    ],
    [
      'a criticality flag spelled 0x00 (DER omits FALSE)',
      () =>
        handBuilt({ extensions: [extension(grantOid(), utf8(identity.grantId), 0x00), subjectExtension()] }),
    ],
    [
      'a criticality flag spelled 0x01 (DER writes TRUE as 0xff)',
      () =>
        handBuilt({ extensions: [extension(grantOid(), utf8(identity.grantId), 0x01), subjectExtension()] }),
    ],
    ['a negative serial number', () => handBuilt({ serial: [0xff] })],
    ['a serial number with a redundant leading zero byte', () => handBuilt({ serial: [0x00, 0x01] })],
    ['a serial number with a redundant leading 0xff byte', () => handBuilt({ serial: [0xff, 0x80] })],
  ])('gives identity_malformed for %s', (_name, build) => {
    expect(codeOf(() => readIdentity(build()))).toBe('identity_malformed');
  });

  it('reads an identity extension marked critical (TRUE as 0xff): criticality does not change its meaning', () => {
    const der = handBuilt({
      extensions: [extension(grantOid(), utf8(identity.grantId), 0xff), subjectExtension()],
    });
    expect(readIdentity(der)).toEqual(identity);
  });

  it('reads a v2 certificate without extensions as identity_missing', () => {
    expect(
      codeOf(() => readIdentity(handBuilt({ version: tlv(0xa0, tlv(0x02, [1])), extensionBlock: [] }))),
    ).toBe('identity_missing');
  });

  it('gives distinct serials to the positive serial 0x00ff and the negative serial 0xff by refusing the latter', () => {
    expect(identifyConnection(handBuilt({ serial: [0x00, 0xff] }))).toMatchObject({
      ok: true,
      certSerial: 'ff',
    });
    expect(identifyConnection(handBuilt({ serial: [0xff] }))).toEqual({
      ok: false,
      reason: 'identity_malformed',
      certSerial: null,
    });
  });
});

describe('identifyConnection', () => {
  it('gives the identity and the canonical serial of a valid leaf', async () => {
    const { der, certificate } = await identityCertificate({ identity, keys, serialNumber: '00ff01' });
    expect(identifyConnection(der)).toEqual({ ok: true, identity, certSerial: 'ff01' });
    expect(identifyConnection(valid)).toEqual({ ok: true, identity, certSerial: '8f11223344556677' });
    expect(normalizeSerialHex(certificate.serialNumber)).toBe('ff01');
  });

  it('gives identity_missing without a certificate', () => {
    expect(identifyConnection(null)).toEqual({ ok: false, reason: 'identity_missing', certSerial: null });
    expect(identifyConnection(undefined)).toEqual({
      ok: false,
      reason: 'identity_missing',
      certSerial: null,
    });
    expect(identifyConnection(new Uint8Array(0))).toEqual({
      ok: false,
      reason: 'identity_missing',
      certSerial: null,
    });
  });

  it('keeps the serial when the identity extensions are wrong, for the audit record', async () => {
    const { der } = await identityCertificate({
      identity,
      keys,
      duplicate: 'subjectUserId',
      serialNumber: '0abc',
    });
    expect(identifyConnection(der)).toEqual({ ok: false, reason: 'identity_duplicate', certSerial: '0abc' });
  });

  it('gives identity_malformed without a serial for a truncated certificate', () => {
    expect(identifyConnection(valid.subarray(0, 10))).toEqual({
      ok: false,
      reason: 'identity_malformed',
      certSerial: null,
    });
  });

  it('fails closed as identity_malformed for an invalid arc instead of throwing', () => {
    expect(identifyConnection(valid, 'nonsense')).toEqual({
      ok: false,
      reason: 'identity_malformed',
      certSerial: null,
    });
  });

  it('never throws for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const result = identifyConnection(bytes);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

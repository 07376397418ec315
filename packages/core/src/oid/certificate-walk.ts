/**
 * A minimal DER walker over an X.509 certificate: just enough structure to find the serial
 * and the identity extensions, without building a certificate object.
 *
 * @module @fedtrust/core/oid
 */
import { IdentityError } from './identity-error.js';
import type { IdentityOids } from './identity-oids.js';

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BOOLEAN = 0x01;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OBJECT_IDENTIFIER = 0x06;
const VERSION = 0xa0;
const ISSUER_UNIQUE_ID = 0x81;
const SUBJECT_UNIQUE_ID = 0x82;
const EXTENSIONS = 0xa3;
const DER_TRUE = 0xff;
/** Version INTEGER values: v1 is 0 (never encoded in DER), v2 is 1, v3 is 2. */
const V1 = 0;
const V2 = 1;
const V3 = 2;

/**
 * One walk over one certificate. Offsets, not copies: every field is a `[start, end)` range
 * into the DER, so a walk allocates this object and nothing else. Every bound is checked
 * before a byte is read, and any deviation from the expected DER throws
 * `IdentityError('identity_malformed')` — never a `RangeError`.
 *
 * Structure followed (RFC 5280 §4.1): Certificate → TBSCertificate → [0] version (v2, v3)? →
 * serialNumber (positive, minimal) → signature → issuer → validity → subject →
 * subjectPublicKeyInfo → [1]? → [2]? (v2+) → [3] { Extension { extnID, critical (DER TRUE)?,
 * extnValue } … } (v3 only), then
 * signatureAlgorithm and signatureValue, with nothing after the certificate. An empty
 * extension list is tolerated (RFC 5280 says SIZE (1..MAX), but `@peculiar/x509` emits
 * one) and reads as "no identity", not as broken DER.
 */
export class CertificateWalk {
  serialStart = -1;
  serialEnd = -1;
  grantStart = -1;
  grantEnd = -1;
  grantCount = 0;
  subjectStart = -1;
  subjectEnd = -1;
  subjectCount = 0;
  private pos = 0;

  constructor(
    private readonly der: Uint8Array,
    private readonly oids: IdentityOids,
  ) {}

  run(): this {
    const der = this.der;
    const certEnd = this.enter(SEQUENCE, der.length);
    if (certEnd !== der.length) throw malformed('bytes follow the certificate');
    const tbsEnd = this.enter(SEQUENCE, certEnd);
    const version = this.peek(tbsEnd) === VERSION ? this.version(tbsEnd) : V1;
    const serialEnd = this.enter(INTEGER, tbsEnd);
    this.serial(serialEnd);
    this.skip(SEQUENCE, tbsEnd); // signature
    this.skip(SEQUENCE, tbsEnd); // issuer
    this.skip(SEQUENCE, tbsEnd); // validity
    this.skip(SEQUENCE, tbsEnd); // subject
    this.skip(SEQUENCE, tbsEnd); // subjectPublicKeyInfo
    // RFC 5280 §4.1.2.8-9: unique ids need v2 or v3, extensions need v3. TLS stacks do not
    // all enforce this (OpenSSL only in strict mode), so the walker does: an identity is read
    // only from a certificate that every parser reads the same way.
    const hasUniqueIds = this.peek(tbsEnd) === ISSUER_UNIQUE_ID || this.peek(tbsEnd) === SUBJECT_UNIQUE_ID;
    if (hasUniqueIds && version === V1) throw malformed('a v1 certificate carries a unique identifier');
    if (this.peek(tbsEnd) === ISSUER_UNIQUE_ID) this.skip(ISSUER_UNIQUE_ID, tbsEnd);
    if (this.peek(tbsEnd) === SUBJECT_UNIQUE_ID) this.skip(SUBJECT_UNIQUE_ID, tbsEnd);
    if (this.peek(tbsEnd) === EXTENSIONS) {
      if (version !== V3) throw malformed('only a v3 certificate may carry extensions');
      this.extensions(this.enter(EXTENSIONS, tbsEnd));
    }
    if (this.pos !== tbsEnd) throw malformed('unexpected fields at the end of the certificate body');
    this.skip(SEQUENCE, certEnd); // signatureAlgorithm
    this.skip(BIT_STRING, certEnd); // signatureValue
    if (this.pos !== certEnd) throw malformed('unexpected fields after the signature');
    return this;
  }

  /** `[0] EXPLICIT INTEGER`, DER: present only for v2 (1) or v3 (2), since v1 is the DEFAULT. */
  private version(tbsEnd: number): number {
    const end = this.enter(VERSION, tbsEnd);
    const valueEnd = this.enter(INTEGER, end);
    const value = this.der[this.pos];
    if (valueEnd !== end || valueEnd - this.pos !== 1 || (value !== V2 && value !== V3)) {
      throw malformed('the version is not v2 or v3');
    }
    this.pos = end;
    return value;
  }

  /**
   * A positive serial in minimal DER (RFC 5280 §4.1.2.2). Anything else is refused because
   * `serialHex` strips leading zero bytes: `00 ff` (255) and `ff` (-1) would both read `ff`,
   * and one of them could pass for a certificate bound under the other's serial.
   */
  private serial(serialEnd: number): void {
    const der = this.der;
    const start = this.pos;
    if (serialEnd === start) throw malformed('the serial number is empty');
    const first = der[start]!;
    if (first >= 0x80) throw malformed('the serial number is negative');
    if (serialEnd - start > 1 && first === 0 && der[start + 1]! < 0x80) {
      throw malformed('the serial number has a redundant leading zero byte');
    }
    this.serialStart = start;
    this.serialEnd = serialEnd;
    this.pos = serialEnd;
  }

  private extensions(wrapperEnd: number): void {
    const listEnd = this.enter(SEQUENCE, wrapperEnd);
    if (listEnd !== wrapperEnd) throw malformed('bytes follow the extension list');
    while (this.pos < listEnd) {
      const extensionEnd = this.enter(SEQUENCE, listEnd);
      const oidEnd = this.enter(OBJECT_IDENTIFIER, extensionEnd);
      const oidStart = this.pos;
      this.pos = oidEnd;
      if (this.peek(extensionEnd) === BOOLEAN) {
        // DER writes TRUE as 0xff and omits FALSE (the DEFAULT), so 0xff is the only valid byte.
        const criticalEnd = this.enter(BOOLEAN, extensionEnd);
        if (criticalEnd - this.pos !== 1 || this.der[this.pos] !== DER_TRUE) {
          throw malformed('an extension criticality flag is not DER TRUE');
        }
        this.pos = criticalEnd;
      }
      const valueEnd = this.enter(OCTET_STRING, extensionEnd);
      if (valueEnd !== extensionEnd) throw malformed('bytes follow an extension value');
      if (this.oidIs(oidStart, oidEnd, this.oids.grantIdBytes)) {
        this.grantCount++;
        this.grantStart = this.pos;
        this.grantEnd = valueEnd;
      } else if (this.oidIs(oidStart, oidEnd, this.oids.subjectUserIdBytes)) {
        this.subjectCount++;
        this.subjectStart = this.pos;
        this.subjectEnd = valueEnd;
      }
      this.pos = valueEnd;
    }
  }

  private oidIs(start: number, end: number, expected: Uint8Array): boolean {
    if (end - start !== expected.length) return false;
    const der = this.der;
    for (let i = 0; i < expected.length; i++) if (der[start + i] !== expected[i]) return false;
    return true;
  }

  /** The tag at the cursor, or -1 at `end`. */
  private peek(end: number): number {
    return this.pos < end ? this.der[this.pos]! : -1;
  }

  /** Skip one whole element with tag `tag`. */
  private skip(tag: number, end: number): void {
    this.pos = this.enter(tag, end);
  }

  /**
   * Read the header of an element with tag `tag` that must lie within `end`; leave the
   * cursor on its first content byte and return where its content ends. Only DER's
   * definite, minimal length forms are accepted (at most 4 length bytes).
   */
  private enter(tag: number, end: number): number {
    const der = this.der;
    let pos = this.pos;
    if (pos + 2 > end) throw malformed('the certificate is truncated');
    if (der[pos] !== tag) throw malformed(`expected tag 0x${tag.toString(16)} at offset ${pos}`);
    const first = der[pos + 1]!;
    pos += 2;
    let length = first;
    if (first >= 0x80) {
      const count = first & 0x7f;
      if (count === 0 || count > 4) throw malformed(`unsupported length form at offset ${pos - 1}`);
      if (pos + count > end) throw malformed('the certificate is truncated');
      if (der[pos] === 0) throw malformed(`non-minimal length at offset ${pos - 1}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[pos++]!;
      if (length < 0x80) throw malformed(`non-minimal length at offset ${pos - count - 1}`);
    }
    if (length > end - pos) throw malformed('the certificate is truncated');
    this.pos = pos;
    return pos + length;
  }
}

function malformed(why: string): IdentityError {
  return new IdentityError('identity_malformed', `The certificate DER is malformed: ${why}.`);
}

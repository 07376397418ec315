import { FedtrustError } from '../errors/fedtrust-error.js';

/**
 * The canonical text form of a certificate serial number.
 *
 * @module @fedtrust/core/oid
 */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * The serial as every fedtrust store and log spells it: lower-case hex of the DER INTEGER
 * content with leading `0x00` sign bytes stripped (one byte is always kept, so zero is `00`).
 * Two encodings of the same positive serial always give the same string.
 */
export function serialHex(bytes: Uint8Array): string {
  return serialHexAt(bytes, 0, bytes.length);
}

/**
 * {@link serialHex} of `bytes[start, end)` (`start < end`), read in place: the walker
 * spells a certificate's serial without copying it out of the DER.
 */
export function serialHexAt(bytes: Uint8Array, start: number, end: number): string {
  while (start < end - 1 && bytes[start] === 0) start++;
  let hex = '';
  for (let i = start; i < end; i++) hex += HEX[bytes[i]!];
  return hex;
}

/**
 * {@link serialHex} for a serial already in hex (as `@peculiar/x509`'s `serialNumber` or a
 * CA's API returns it): lower-cased, separators (`:`, spaces) removed, leading `00` bytes stripped.
 * Throws `serial_invalid` (400) for anything but hex digits and separators.
 */
export function normalizeSerialHex(hex: string): string {
  let clean = hex.toLowerCase().replace(/[:\s]/g, '');
  if (!/^[0-9a-f]+$/.test(clean)) {
    throw new FedtrustError('serial_invalid', 'A certificate serial must be hexadecimal.', {
      status: 400,
      remediation: 'Pass the serial as hex digits, optionally separated by colons.',
    });
  }
  if (clean.length % 2 === 1) clean = '0' + clean;
  while (clean.length > 2 && clean.startsWith('00')) clean = clean.slice(2);
  return clean;
}

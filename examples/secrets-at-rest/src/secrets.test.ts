import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LogCapture } from './capture-logger.js';
import { ALLOWED_PREFIX, findLeaks, privateKeyMarkers, SecretBook } from './secrets.js';

const TOKEN = `ftp_${Buffer.alloc(32, 7).toString('base64url').replace(/^.{6}/, 'Qx9_zK')}`;

function keyPair() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const scalar = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return { pem, der, scalar };
}

describe('the leak scan', () => {
  it('allows a token prefix of 8 characters in a value and reports one of 9', () => {
    const book = new SecretBook();
    book.addToken('t', TOKEN);
    const prefix8 = { where: 'prefix8', text: TOKEN.slice(0, ALLOWED_PREFIX) };
    const prefix9 = { where: 'prefix9', text: `x ${TOKEN.slice(0, ALLOWED_PREFIX + 1)} y` };
    expect(findLeaks(book.list(), [prefix8, prefix9])).toEqual([
      { secret: 't', encoding: 'token', where: 'prefix9' },
    ]);
  });

  it('reports a token body stored without its marker, and its bytes as hex in either case', () => {
    const book = new SecretBook();
    book.addToken('t', TOKEN);
    const hex = Buffer.from(TOKEN.slice(4), 'base64url').toString('hex');
    const found = findLeaks(book.list(), [
      { where: 'body', text: TOKEN.slice(4) },
      { where: 'HEX', text: hex.toUpperCase() },
    ]);
    expect(found).toContainEqual({ secret: 't', encoding: 'token body', where: 'body' });
    expect(found).toContainEqual({ secret: 't', encoding: 'token bytes HEX', where: 'HEX' });
  });

  it('in file bytes, a stored 8-character prefix followed by a matching byte is not a leak, 16 characters are', () => {
    const book = new SecretBook();
    book.addToken('t', TOKEN);
    // The next column happens to start with the token's ninth character.
    const row = Buffer.from(`${TOKEN.slice(0, 8)}${TOKEN[8]}other-column`);
    const leaked = Buffer.from(`\u0001${TOKEN.slice(0, 16)}\u0002`);
    expect(findLeaks(book.list(), [{ where: 'row', text: '', bytes: row }])).toEqual([]);
    expect(findLeaks(book.list(), [{ where: 'page', text: '', bytes: leaked }])).toContainEqual({
      secret: 't',
      encoding: 'token',
      where: 'page',
    });
  });

  it('reports a private key as PEM, as one-line DER base64, as DER bytes and its scalar as base64url', () => {
    const { pem, der, scalar } = keyPair();
    const book = new SecretBook();
    book.addPrivateKeyPem('k', pem);
    const found = findLeaks(book.list(), [
      { where: 'pem', text: pem },
      { where: 'json', text: JSON.stringify({ privateKey: der.toString('base64') }) },
      { where: 'blob', text: '', bytes: der },
      { where: 'jwk', text: scalar.toString('base64url') },
    ]);
    expect(found).toContainEqual({ secret: 'k', encoding: 'pkcs8 pem', where: 'pem' });
    expect(found).toContainEqual({ secret: 'k', encoding: 'pkcs8 der base64', where: 'json' });
    expect(found).toContainEqual({ secret: 'k', encoding: 'pkcs8 der bytes', where: 'blob' });
    expect(found).toContainEqual({ secret: 'k', encoding: 'scalar bytes', where: 'blob' });
    expect(found).toContainEqual({ secret: 'k', encoding: 'scalar base64url', where: 'jwk' });
  });

  it('does not mistake another key of the same curve for the secret one (shared ASN.1 header)', () => {
    const book = new SecretBook();
    book.addPrivateKeyPem('k', keyPair().pem);
    const other = keyPair();
    expect(
      findLeaks(book.list(), [{ where: 'other', text: other.der.toString('base64'), bytes: other.der }]),
    ).toEqual([]);
  });

  it('reports a seal key as raw bytes inside a file', () => {
    const key = Buffer.alloc(32);
    key.write('seal-key-material-0123456789abcd');
    const book = new SecretBook();
    book.addSealKey('s', key);
    const file = Buffer.concat([Buffer.alloc(100), key, Buffer.alloc(100)]);
    expect(findLeaks(book.list(), [{ where: 'file', text: '', bytes: file }])).toContainEqual({
      secret: 's',
      encoding: 'key bytes',
      where: 'file',
    });
  });

  it('finds the PRIVATE KEY marker in text and in bytes', () => {
    const marker = '-----BEGIN EC PRIVATE KEY-----';
    expect(
      privateKeyMarkers([
        { where: 'clean', text: '-----BEGIN CERTIFICATE-----' },
        { where: 'text', text: marker },
        { where: 'bytes', text: '', bytes: Buffer.from(`\0${marker}\0`) },
      ]),
    ).toEqual(['text', 'bytes']);
  });

  it('sees a secret inside a logged error cause, unescaped', () => {
    const { pem } = keyPair();
    const book = new SecretBook();
    book.addPrivateKeyPem('k', pem);
    const logs = new LogCapture();
    logs.logger('server').error('failed', { error: new Error('outer', { cause: new Error(pem) }) });
    expect(findLeaks(book.list(), logs.haystacks())).toContainEqual({
      secret: 'k',
      encoding: 'pkcs8 pem',
      where: 'log #0 server.error "failed"',
    });
    expect(privateKeyMarkers(logs.haystacks())).toEqual(['log #0 server.error "failed"']);
  });
});

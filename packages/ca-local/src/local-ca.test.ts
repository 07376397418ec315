import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import type { SealedStore } from '@fedtrust/core';
import { CaError, createSealer, generateSealKey, identifyConnection } from '@fedtrust/core';
import { systemRandom } from '@fedtrust/core/system';
import { makeCsr, manualClock, memoryStore, runCaConformance } from '@fedtrust/core/testing';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { BACKDATE_SECONDS, DEFAULT_LIFETIME, localCa } from './index.js';

const sealerFor = (key = generateSealKey(systemRandom)) =>
  createSealer({ keys: { k1: key }, currentKeyId: 'k1', random: systemRandom });

runCaConformance({
  name: 'local',
  capabilities: { lifetime: DEFAULT_LIFETIME },
  makeCa: async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    return { ca, rootPem: (await ca.roots())[0]! };
  },
});

const ids = () => ({ grantId: systemRandom.uuid(), subjectUserId: systemRandom.uuid() });

async function issueFor(ca: ReturnType<typeof localCa>, lifetimeSeconds?: number) {
  const csr = await makeCsr('peer.example.test');
  const issued = await ca.issue({
    csrPem: csr.csrPem,
    commonName: 'peer.example.test',
    ...ids(),
    ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }),
  });
  return { issued, privateKeyPem: csr.privateKeyPem };
}

describe('localCa persistence', () => {
  it('keeps the same root and intermediate across a restart on the same store', async () => {
    const store = memoryStore();
    const sealer = sealerFor();
    const first = localCa({ store, sealer });
    const { issued } = await issueFor(first);

    const second = localCa({ store, sealer });
    expect(await second.roots()).toEqual(await first.roots());
    const again = await issueFor(second);
    expect(again.issued.chainPem).toEqual(issued.chainPem);
    expect(await second.health()).toMatchObject({ ok: true });
  });

  it('two first starts racing on one fresh store end with one root that both sign under', async () => {
    const store = memoryStore();
    const sealer = sealerFor();
    const instances = Array.from({ length: 4 }, () => localCa({ store, sealer }));
    const issued = await Promise.all(instances.map((ca) => issueFor(ca)));
    const stored = await localCa({ store, sealer }).roots();
    for (const ca of instances) expect(await ca.roots()).toEqual(stored);
    const root = new x509.X509Certificate(stored[0]!);
    for (const { issued: leaf } of issued) {
      const intermediate = new x509.X509Certificate(leaf.chainPem[0]!);
      expect(await intermediate.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    }
  });

  it('makes a different root on a different store', async () => {
    const a = localCa({ store: memoryStore(), sealer: sealerFor() });
    const b = localCa({ store: memoryStore(), sealer: sealerFor() });
    expect(await a.roots()).not.toEqual(await b.roots());
  });

  it('keeps revocations across a restart: the new instance refuses renewal and lists the serial', async () => {
    const store = memoryStore();
    const sealer = sealerFor();
    const first = localCa({ store, sealer });
    const { issued, privateKeyPem } = await issueFor(first);
    await first.revoke({ serial: issued.serial, reason: 'key compromise' });

    const second = localCa({ store, sealer });
    await expect(
      second.renew({ certificatePem: issued.certificatePem, privateKeyPem }),
    ).rejects.toMatchObject({
      code: 'ca_certificate_revoked',
    });
    const crl = new x509.X509Crl(await second.crl());
    expect(crl.findRevoked(issued.serial)).not.toBeNull();
  });

  it('stores only sealed envelopes: no PEM, no PKCS#8, and a different sealing key cannot open them', async () => {
    const store = memoryStore();
    const ca = localCa({ store, sealer: sealerFor() });
    const { issued } = await issueFor(ca);
    await ca.revoke({ serial: issued.serial });

    const records = await store.listSealed();
    expect(records.map((r) => r.id).sort()).toEqual([
      'ca:fedtrust-local:intermediate',
      `ca:fedtrust-local:revoked:${issued.serial}`,
      'ca:fedtrust-local:root',
    ]);
    for (const record of records) {
      expect(record.keyId).toBe('k1');
      expect(record.envelope).not.toMatch(/BEGIN|PRIVATE KEY|CERTIFICATE|MIG/);
      // A PKCS#8 P-256 key starts 30 81 87 02 01 00 30 13 06 07 2a 86 48 ce 3d 02 01.
      expect(record.envelope).not.toContain('MIGHAgEAMBMGByqGSM49AgE');
    }

    const stranger = localCa({ store, sealer: sealerFor() });
    await expect(stranger.roots()).rejects.toMatchObject({ code: 'seal_open_failed' });
    expect(await stranger.health()).toMatchObject({ ok: false });
  });

  it('refuses to run on an intermediate the stored root did not sign', async () => {
    const store = memoryStore();
    const sealer = sealerFor();
    await localCa({ store, sealer }).roots();
    const other = memoryStore();
    await localCa({ store: other, sealer }).roots();
    // Graft another CA's intermediate, re-sealed under its own record id by the same sealer.
    const foreign = (await other.getSealed('ca:fedtrust-local:intermediate'))!;
    await store.putSealed(foreign);
    await expect(localCa({ store, sealer }).roots()).rejects.toBeInstanceOf(CaError);
    await expect(localCa({ store, sealer }).roots()).rejects.toMatchObject({ code: 'ca_state_invalid' });
  });

  it('namespaces two CAs sharing one store by name', async () => {
    const store = memoryStore();
    const sealer = sealerFor();
    const a = localCa({ store, sealer, name: 'alpha' });
    const b = localCa({ store, sealer, name: 'beta' });
    expect(await a.roots()).not.toEqual(await b.roots());
    const { issued } = await issueFor(a);
    await a.revoke({ serial: issued.serial });
    expect(new x509.X509Crl(await b.crl()).entries).toHaveLength(0);
  });
});

describe('localCa CRL', () => {
  it('lists revoked serials only, and verifies with the intermediate key, which chains to the root', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const revoked = await issueFor(ca);
    const kept = await issueFor(ca);
    await ca.revoke({ serial: revoked.issued.serial, reason: 'superseded' });

    const crl = new x509.X509Crl(await ca.crl());
    const intermediate = new x509.X509Certificate(revoked.issued.chainPem[0]!);
    const root = new x509.X509Certificate((await ca.roots())[0]!);
    expect(await crl.verify({ publicKey: intermediate.publicKey })).toBe(true);
    expect(await crl.verify({ publicKey: root.publicKey })).toBe(false);
    expect(await intermediate.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    expect(crl.issuer).toBe(intermediate.subject);
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toEqual([revoked.issued.serial]);
    expect(crl.findRevoked(kept.issued.serial)).toBeNull();
  });

  it('numbers successive CRLs increasingly and dates them by the clock', async () => {
    const clock = manualClock(new Date('2026-03-01T12:00:00Z'));
    const ca = localCa({ store: memoryStore(), sealer: sealerFor(), clock });
    const crlNumber = (crl: x509.X509Crl) => {
      const der = new Uint8Array(crl.getExtension('2.5.29.20')!.value);
      return BigInt(`0x${Buffer.from(der.subarray(2)).toString('hex')}`);
    };
    const first = new x509.X509Crl(await ca.crl());
    clock.advance(1000);
    const second = new x509.X509Crl(await ca.crl());
    expect(crlNumber(second)).toBeGreaterThan(crlNumber(first));
    expect(second.thisUpdate).toEqual(new Date('2026-03-01T12:00:01Z'));
    expect(second.nextUpdate).toEqual(new Date('2026-03-02T12:00:01Z'));
  });

  it('an empty CRL is still a signed CRL', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const crl = new x509.X509Crl(await ca.crl());
    const root = new x509.X509Certificate((await ca.roots())[0]!);
    expect(crl.entries).toHaveLength(0);
    expect(crl.issuer).not.toBe(root.subject);
  });

  it('a serial revoked in a shorter or upper-case spelling blocks renewal and is listed once', async () => {
    // First serial byte 0x0d: hex "0d…", which BigInt#toString(16) and some tools print as "d…".
    const random = {
      bytes: (n: number) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x0d : 0x5a)),
      uuid: () => systemRandom.uuid(),
    };
    const ca = localCa({ store: memoryStore(), sealer: sealerFor(), random });
    const { issued, privateKeyPem } = await issueFor(ca);
    expect(issued.serial.startsWith('0d')).toBe(true);
    await ca.revoke({ serial: issued.serial.slice(1).toUpperCase() });
    await ca.revoke({ serial: `00${issued.serial}` });
    await expect(ca.renew({ certificatePem: issued.certificatePem, privateKeyPem })).rejects.toMatchObject({
      code: 'ca_certificate_revoked',
    });
    const crl = new x509.X509Crl(await ca.crl());
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toEqual([issued.serial]);
  });

  it('refuses a serial that is not hex with ca_serial_invalid', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    await expect(ca.revoke({ serial: '12:ab' })).rejects.toMatchObject({
      code: 'ca_serial_invalid',
      status: 400,
    });
    await expect(ca.revoke({ serial: '' })).rejects.toMatchObject({ code: 'ca_serial_invalid' });
  });
});

describe('localCa issuance', () => {
  it('issues 128-bit positive serials that match the canonical serialHex form', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    for (let i = 0; i < 5; i++) {
      const { issued } = await issueFor(ca);
      expect(issued.serial).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
      const der = new Uint8Array(x509.PemConverter.decodeFirst(issued.certificatePem));
      expect(identifyConnection(der)).toMatchObject({ certSerial: issued.serial });
    }
  });

  it('uses the configured arc and the default lifetime, backdated by one minute', async () => {
    const clock = manualClock(new Date('2026-03-01T12:00:00Z'));
    const arc = '1.3.6.1.4.1.99999';
    const ca = localCa({ store: memoryStore(), sealer: sealerFor(), clock, arc });
    const csr = await makeCsr('peer.example.test');
    const identity = ids();
    const issued = await ca.issue({ csrPem: csr.csrPem, commonName: 'peer.example.test', ...identity });
    const leaf = new x509.X509Certificate(issued.certificatePem);
    expect(leaf.getExtension(`${arc}.1.1`)).not.toBeNull();
    expect(leaf.getExtension('1.3.6.1.4.1.32473.1.1')).toBeNull();
    expect(issued.notBefore.getTime()).toBe(clock.now().getTime() - BACKDATE_SECONDS * 1000);
    expect(issued.notAfter.getTime()).toBe(clock.now().getTime() + DEFAULT_LIFETIME.defaultSeconds * 1000);
    expect(leaf.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
  });

  it('refuses identity values that are not canonical UUIDs before signing anything', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const csr = await makeCsr('peer.example.test');
    await expect(
      ca.issue({
        csrPem: csr.csrPem,
        commonName: 'peer.example.test',
        grantId: 'not-a-uuid',
        subjectUserId: ids().subjectUserId,
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a CSR with two common names with ca_csr_mismatch', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: ['peer.example.test'] }, { CN: ['admin.example.test'] }],
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    await expect(
      ca.issue({ csrPem: csr.toString('pem'), commonName: 'peer.example.test', ...ids() }),
    ).rejects.toMatchObject({ code: 'ca_csr_mismatch' });
  });

  it('refuses a CSR with an RSA key shorter than 2048 bits with ca_csr_invalid', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const alg = {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
    const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=peer.example.test',
      keys,
      signingAlgorithm: alg,
    });
    await expect(
      ca.issue({ csrPem: csr.toString('pem'), commonName: 'peer.example.test', ...ids() }),
    ).rejects.toMatchObject({ code: 'ca_csr_invalid' });
  });

  it('refuses a CSR signed with SHA-1 with ca_csr_invalid', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=peer.example.test',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-1' },
    });
    await expect(
      ca.issue({ csrPem: csr.toString('pem'), commonName: 'peer.example.test', ...ids() }),
    ).rejects.toMatchObject({ code: 'ca_csr_invalid' });
  });

  it('rejects lifetime bounds that are not ordered whole seconds', () => {
    const store: SealedStore = memoryStore();
    expect(() =>
      localCa({ store, sealer: sealerFor(), lifetime: { minSeconds: 10, maxSeconds: 5, defaultSeconds: 7 } }),
    ).toThrow(expect.objectContaining({ code: 'ca_options_invalid' }));
    expect(() => localCa({ store, sealer: sealerFor(), name: 'has space' })).toThrow(
      expect.objectContaining({ code: 'ca_options_invalid' }),
    );
  });
});

describe('localCa renewal', () => {
  it('moves the validity forward by the time elapsed and keeps the lifetime', async () => {
    const clock = manualClock(new Date('2026-03-01T12:00:00Z'));
    const ca = localCa({ store: memoryStore(), sealer: sealerFor(), clock });
    const { issued, privateKeyPem } = await issueFor(ca, 3600);
    clock.advance(1800_000);
    const renewed = await ca.renew({ certificatePem: issued.certificatePem, privateKeyPem });
    expect(renewed.notBefore.getTime() - issued.notBefore.getTime()).toBe(1800_000);
    expect(renewed.notAfter.getTime() - issued.notAfter.getTime()).toBe(1800_000);
  });

  it('refuses an expired certificate with ca_certificate_expired', async () => {
    const clock = manualClock(new Date('2026-03-01T12:00:00Z'));
    const ca = localCa({ store: memoryStore(), sealer: sealerFor(), clock });
    const { issued, privateKeyPem } = await issueFor(ca, 600);
    clock.advance(600_000);
    await expect(ca.renew({ certificatePem: issued.certificatePem, privateKeyPem })).rejects.toMatchObject({
      code: 'ca_certificate_expired',
      status: 403,
    });
  });

  it("refuses another CA's certificate with ca_certificate_unknown and a wrong key with ca_key_mismatch", async () => {
    const sealer = sealerFor();
    const ours = localCa({ store: memoryStore(), sealer });
    const theirs = localCa({ store: memoryStore(), sealer });
    const foreign = await issueFor(theirs);
    await expect(
      ours.renew({ certificatePem: foreign.issued.certificatePem, privateKeyPem: foreign.privateKeyPem }),
    ).rejects.toMatchObject({
      code: 'ca_certificate_unknown',
    });
    const mine = await issueFor(ours);
    await expect(
      ours.renew({ certificatePem: mine.issued.certificatePem, privateKeyPem: foreign.privateKeyPem }),
    ).rejects.toMatchObject({
      code: 'ca_key_mismatch',
    });
    await expect(
      ours.renew({ certificatePem: mine.issued.certificatePem, privateKeyPem: 'not a key' }),
    ).rejects.toMatchObject({
      code: 'ca_key_mismatch',
    });
  });
});

describe('localCa refusals on malformed input', () => {
  it('refuses to renew its own server certificate (no identity, not clientAuth) with ca_certificate_unknown', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const server = await ca.serverCertificate({ hostnames: ['gateway.example.test'] });
    await expect(
      ca.renew({ certificatePem: server.certificatePem, privateKeyPem: server.privateKeyPem }),
    ).rejects.toMatchObject({ code: 'ca_certificate_unknown', status: 400 });
  });

  it('answers non-string input with a CaError, never a TypeError', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const junk = [null, undefined, 42, {}] as unknown as string[];
    for (const value of junk) {
      await expect(ca.renew({ certificatePem: value, privateKeyPem: value })).rejects.toBeInstanceOf(CaError);
      await expect(ca.revoke({ serial: value })).rejects.toMatchObject({ code: 'ca_serial_invalid' });
      await expect(
        ca.issue({ csrPem: value, commonName: 'peer.example.test', ...ids() }),
      ).rejects.toMatchObject({ code: 'ca_csr_invalid' });
    }
  });
});

describe('localCa server certificates', () => {
  it('issues a serverAuth certificate for DNS names and IP addresses with its private key', async () => {
    const ca = localCa({ store: memoryStore(), sealer: sealerFor() });
    const server = await ca.serverCertificate({ hostnames: ['gateway.example.test', '127.0.0.1'] });
    const leaf = new x509.X509Certificate(server.certificatePem);
    expect(leaf.subjectName.getField('CN')).toEqual(['gateway.example.test']);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
    ]);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.toJSON()).toEqual([
      { type: 'dns', value: 'gateway.example.test' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    const intermediate = new x509.X509Certificate(server.chainPem[0]!);
    expect(await leaf.verify({ publicKey: intermediate.publicKey, signatureOnly: true })).toBe(true);
    expect(server.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await ca.serverCertificate({ hostnames: [] }).catch((e: CaError) => e.code)).toBe(
      'ca_options_invalid',
    );
    expect(await ca.serverCertificate({ hostnames: ['bad host'] }).catch((e: CaError) => e.code)).toBe(
      'ca_options_invalid',
    );
  });
});

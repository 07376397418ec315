/**
 * The local CA's revocation list, persisted as one sealed record per revoked serial
 * (`ca:<name>:revoked:<serial>`).
 *
 * Why not the store's certificate bindings: the CA must remember revocations of
 * certificates that were never bound — the enrollment saga revokes exactly those when
 * binding fails — and bindings belong to core's rules, not to the CA. Why one record per
 * serial: `SealedStore` has no compare-and-set, so a single list record would lose one of
 * two concurrent revocations; distinct ids never collide. Sealing (AEAD bound to the
 * record id) makes a forged or swapped revocation record fail to open instead of
 * silently un-revoking a certificate.
 *
 * @module @fedtrust/ca-local
 */
import type { Clock, SealedRecord, SealedStore, Sealer } from '@fedtrust/core';
import { CaError, isFedtrustError, openRecord, sealRecord } from '@fedtrust/core';

/** One revoked serial as the CA remembers it. */
export interface Revocation {
  serial: string;
  revokedAt: Date;
  reason: string | null;
}

export interface RevocationDeps {
  store: SealedStore;
  sealer: Sealer;
  clock: Clock;
  name: string;
}

/** Up to 20 octets (RFC 5280) plus a 0x00 sign octet, in hex. */
const SERIAL = /^[0-9a-f]{1,42}$/;

function prefix(name: string): string {
  return `ca:${name}:revoked:`;
}

/**
 * The canonical serial, exactly as core's `serialHex` spells the certificate's own: lower-case
 * hex of whole octets, leading 0x00 octets stripped. Every spelling of one number maps to one
 * string, so a revocation recorded as `D5A…` or `000d5a…` is the record renewal looks up for
 * `0d5a…` and the CRL lists it once. `ca_serial_invalid` for anything but 1 to 42 hex digits.
 */
export function canonicalSerial(serial: string): string {
  const lower = typeof serial === 'string' ? serial.toLowerCase() : '';
  if (!SERIAL.test(lower)) {
    throw new CaError('ca_serial_invalid', 'A serial must be 1 to 42 hex digits without separators.', {
      details: { serial: typeof serial === 'string' ? serial.slice(0, 48) : typeof serial },
    });
  }
  let hex = lower.length % 2 === 1 ? `0${lower}` : lower;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

async function open(deps: RevocationDeps, record: SealedRecord): Promise<Revocation> {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(await openRecord(deps.sealer, record))) as {
      serial: string;
      revokedAt: string;
      reason: string | null;
    };
    return { serial: parsed.serial, revokedAt: new Date(parsed.revokedAt), reason: parsed.reason };
  } catch (error) {
    // A seal error (unknown key id, tampered envelope) already says what to do.
    if (isFedtrustError(error)) throw error;
    throw new CaError(
      'ca_state_invalid',
      `The sealed revocation record ${record.id} cannot be opened or read.`,
      {
        cause: error,
        details: { record: record.id },
      },
    );
  }
}

/** The revocation of `serial`, or `null`. Read from the store every time, so revocations by another process count. */
export async function findRevocation(deps: RevocationDeps, serial: string): Promise<Revocation | null> {
  const id = prefix(deps.name) + canonicalSerial(serial);
  const record = await deps.store.getSealed(id);
  return record ? open(deps, record) : null;
}

/** Records a revocation; idempotent — a serial already revoked keeps its first date and reason. */
export async function addRevocation(
  deps: RevocationDeps,
  serial: string,
  reason: string | null,
): Promise<void> {
  const canonical = canonicalSerial(serial);
  if (await findRevocation(deps, canonical)) return;
  const id = prefix(deps.name) + canonical;
  const now = deps.clock.now();
  const plain = JSON.stringify({ serial: canonical, revokedAt: now.toISOString(), reason });
  await deps.store.putSealed(await sealRecord(deps.sealer, id, new TextEncoder().encode(plain), now));
}

/** Every revocation of this CA, oldest first. */
export async function listRevocations(deps: RevocationDeps): Promise<Revocation[]> {
  const records = (await deps.store.listSealed()).filter((r) => r.id.startsWith(prefix(deps.name)));
  const revocations = (await Promise.all(records.map((r) => open(deps, r)))).sort(
    (a, b) => a.revokedAt.getTime() - b.revokedAt.getTime(),
  );
  // One entry per serial, even if records from an older spelling rule name one number twice:
  // a CRL with a duplicate entry cannot be generated at all.
  const bySerial = new Map<string, Revocation>();
  for (const r of revocations) {
    const serial = canonicalSerial(r.serial);
    if (!bySerial.has(serial)) bySerial.set(serial, { ...r, serial });
  }
  return [...bySerial.values()];
}

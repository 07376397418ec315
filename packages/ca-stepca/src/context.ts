/**
 * What every step-ca operation shares: the pinned connection, the provisioner, the clock.
 *
 * @module @fedtrust/ca-stepca
 */
import type { Clock, Random } from '@fedtrust/core';
import type { Dispatcher } from 'undici';
import type { CaConnection } from './http/ca-request.js';
import type { ProvisionerKey } from './provisioner/load-provisioner.js';

/** Lifetime bounds in seconds; unset fields come from the provisioner's claims, then step-ca's defaults. */
export interface LifetimeBounds {
  minSeconds?: number;
  maxSeconds?: number;
  defaultSeconds?: number;
}

/** A certificate and key presented over mTLS (renewal). Held in memory only. */
export interface ClientIdentity {
  /** Leaf PEM, optionally followed by its intermediates. */
  certificatePem: string;
  privateKeyPem: string;
}

export interface StepCaContext {
  connection: CaConnection;
  rootPem: string;
  rootDer: Uint8Array;
  /** Lower-case hex SHA-256 of the root's DER. */
  rootFingerprint: string;
  arc: string;
  clock: Clock;
  random: Random;
  lifetime: LifetimeBounds;
  /** The decrypted provisioner, loaded once and cached until the CA rejects its tokens. */
  provisioner(): Promise<ProvisionerKey>;
  forgetProvisioner(): void;
  /** A dispatcher presenting `identity` as client certificate, pinned to the root; the caller closes it. */
  clientDispatcher(identity: ClientIdentity): Dispatcher;
}

/** step-ca's built-in TLS certificate duration claims, used when the provisioner sets none. */
export const STEP_CA_DEFAULT_LIFETIME = {
  minSeconds: 5 * 60,
  maxSeconds: 24 * 3600,
  defaultSeconds: 24 * 3600,
};

/** A random one-time token id: 128 bits, hex. */
export function tokenId(random: Random): string {
  return Buffer.from(random.bytes(16)).toString('hex');
}

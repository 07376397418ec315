/**
 * `@fedtrust/ca-stepca`: the `CertificateAuthority` port against a real step-ca (0.19 and
 * later) — JWK provisioner one-time tokens, `/1.0/sign`, `/1.0/renew` over mTLS,
 * `/1.0/revoke`, `/roots`, root pinning, the provisioner's X.509 template, and
 * post-issuance verification.
 *
 * @module @fedtrust/ca-stepca
 */
export type { ClientIdentity, LifetimeBounds } from './context.js';
export * from './errors.js';
export { PROBE_COMMON_NAME, type TemplateGuardProbe } from './operations/probe-template-guards.js';
export { type StepCa, type StepCaOptions, stepCa } from './step-ca.js';
export { templateFor } from './template-for.js';
export { GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM } from './token/create-token.js';

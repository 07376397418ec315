/**
 * Provider admission: the provider-token state machine (`admitProvider`), admission wired to
 * the session registry (`connectProvider`), and the pre-flip audit.
 *
 * @module @fedtrust/core/admission
 */
export * from './admission-error.js';
export * from './admit-provider.js';
export * from './connect-provider.js';
export * from './pre-flip-audit.js';
export * from './types.js';

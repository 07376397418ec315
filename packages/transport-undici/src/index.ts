/**
 * `@fedtrust/transport-undici`: the mTLS federation server (node:https) and the undici
 * client with fan-out.
 *
 * @module @fedtrust/transport-undici
 */
export * from './client/create-federation-client.js';
export * from './client/federation-client-error.js';
export * from './client/peer-connection.js';
export * from './client/renewal-delay.js';
export * from './fan-out/create-fan-out.js';
export * from './server/client-address.js';
export * from './server/create-federation-handler.js';
export * from './server/create-federation-server.js';
export * from './server/match-route.js';
export * from './server/options.js';
export * from './server/renewal-errors.js';
export * from './telemetry/instruments.js';
export * from './types.js';

/**
 * `runStoreConformance`: the one suite every storage adapter runs.
 *
 * @module @fedtrust/core/testing
 */
import { afterEach, describe, it } from 'vitest';
import type { FederationStore } from '../../ports/store.js';
import type { ConformanceSection } from './section.js';
import type { ConformanceContext, StoreConformanceOptions } from './types.js';
import { grantsSection } from './grants.js';
import { peersSection } from './peers.js';
import { certificatesSection } from './certificates.js';
import { enrollmentSection } from './enrollment.js';
import { sealedSection } from './sealed.js';
import { compensationsSection } from './compensations.js';
import { providerTokensSection } from './provider-tokens.js';
import { auditSection } from './audit.js';


const SECTIONS: Array<[string, ConformanceSection]> = [
  ['grants', grantsSection],
  ['peers', peersSection],
  ['certificates', certificatesSection],
  ['enrollment', enrollmentSection],
  ['sealed', sealedSection],
  ['compensations', compensationsSection],
  ['provider-tokens', providerTokensSection],
  ['audit', auditSection],
];

/**
 * Registers the full store conformance suite with vitest for one adapter.
 *
 * @example
 * runStoreConformance({ name: 'sqlite', makeStore: async () => sqliteStore(':memory:'), capabilities: { multipleHandles: false } });
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  describe(`store conformance: ${options.name}`, () => {
    const opened: FederationStore[] = [];
    afterEach(async () => {
      const stores = opened.splice(0);
      for (const s of stores) {
        if (options.destroyStore) await options.destroyStore(s);
        else await s.close();
      }
    });
    const ctx: ConformanceContext = {
      options,
      async fresh() {
        const s = await options.makeStore();
        opened.push(s);
        return s;
      },
    };
    if (!options.capabilities.multipleHandles) {
      it.skip('capability multipleHandles not declared: cross-handle races skipped', () => {});
    }
    for (const [name, section] of SECTIONS) {
      describe(name, () => section(ctx));
    }
  });
}

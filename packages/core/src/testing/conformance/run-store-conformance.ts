/**
 * `runStoreConformance`: the one suite every storage adapter runs.
 *
 * @module @fedtrust/core/testing
 */
import { afterEach, describe } from 'vitest';
import type { FederationStore } from '../../ports/store.js';
import { auditSection } from './audit.js';
import { certificatesSection } from './certificates.js';
import { compensationsSection } from './compensations.js';
import { enrollmentSection } from './enrollment.js';
import { grantsSection } from './grants.js';
import { peersSection } from './peers.js';
import { providerTokensSection } from './provider-tokens.js';
import { sealedSection } from './sealed.js';
import type { ConformanceSection } from './section.js';
import type { ConformanceContext, StoreConformanceOptions } from './types.js';

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
 * Registers the full store conformance suite with vitest for one adapter. Each case gets
 * a fresh store from `makeStore`. Cross-handle races run only when
 * `capabilities.multipleHandles` is true (then `openSecondHandle` is required); otherwise
 * each of those cases is reported as skipped under a name that says which capability is missing.
 *
 * @example
 * runStoreConformance({ name: 'sqlite', makeStore: async () => sqliteStore(':memory:'), capabilities: { multipleHandles: false } });
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  if (options.capabilities.multipleHandles && options.openSecondHandle === undefined) {
    throw new TypeError(
      `runStoreConformance(${options.name}): capabilities.multipleHandles is true but openSecondHandle is missing.`,
    );
  }
  describe(`store conformance: ${options.name}`, () => {
    const opened: FederationStore[] = [];
    const secondary: FederationStore[] = [];
    afterEach(async () => {
      // Second handles go first: a database cannot be dropped while another pool still holds it.
      for (const s of secondary.splice(0)) await s.close();
      for (const s of opened.splice(0)) {
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
      async secondHandle(store) {
        if (!options.capabilities.multipleHandles || options.openSecondHandle === undefined) {
          throw new TypeError(`store ${options.name} declares no multipleHandles capability`);
        }
        const s = await options.openSecondHandle(store);
        secondary.push(s);
        return s;
      },
    };
    for (const [name, section] of SECTIONS) {
      describe(name, () => section(ctx));
    }
  });
}

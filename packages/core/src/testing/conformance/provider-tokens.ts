import type { ConformanceSection } from './section.js';

/** Conformance cases for provider tokens. (To be written: see issue plan.) */
export const providerTokensSection: ConformanceSection = (_ctx) => {};

import type { ConformanceSection } from './section.js';

/** Conformance cases for peers. (To be written: see issue plan.) */
export const peersSection: ConformanceSection = (_ctx) => {};

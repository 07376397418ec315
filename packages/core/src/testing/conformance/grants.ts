import type { ConformanceSection } from './section.js';

/** Conformance cases for grants. (To be written: see issue plan.) */
export const grantsSection: ConformanceSection = (_ctx) => {};

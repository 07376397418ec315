import type { ConformanceSection } from './section.js';

/** Conformance cases for compensations. (To be written: see issue plan.) */
export const compensationsSection: ConformanceSection = (_ctx) => {};

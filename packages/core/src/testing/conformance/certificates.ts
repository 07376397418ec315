import type { ConformanceSection } from './section.js';

/** Conformance cases for certificates. (To be written: see issue plan.) */
export const certificatesSection: ConformanceSection = (_ctx) => {};

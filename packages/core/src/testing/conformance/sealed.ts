import type { ConformanceSection } from './section.js';

/** Conformance cases for sealed. (To be written: see issue plan.) */
export const sealedSection: ConformanceSection = (_ctx) => {};

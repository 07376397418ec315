import type { ConformanceSection } from './section.js';

/** Conformance cases for audit. (To be written: see issue plan.) */
export const auditSection: ConformanceSection = (_ctx) => {};

import type { ConformanceSection } from './section.js';

/** Conformance cases for enrollment. (To be written: see issue plan.) */
export const enrollmentSection: ConformanceSection = (_ctx) => {};

/**
 * The shape of one store conformance section.
 *
 * @module @fedtrust/core/testing
 */
import type { ConformanceContext } from './types.js';

/** A conformance section registers its `it` blocks through the context; one file per concern. */
export type ConformanceSection = (ctx: ConformanceContext) => void;

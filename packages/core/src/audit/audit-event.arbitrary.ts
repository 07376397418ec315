/**
 * fast-check arbitrary of valid audit events, shared by the audit tests.
 *
 * @module @fedtrust/core/audit
 */
import fc from 'fast-check';
import type { AuditEvent } from './types.js';

const text = fc.string({ minLength: 1, maxLength: 24 });

/** Any event `auditEventSchema` accepts. */
export const auditEventArbitrary: fc.Arbitrary<AuditEvent> = fc.record({
  time: fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) })
    .map((ms) => new Date(ms).toISOString()),
  grantId: fc.option(fc.uuid(), { nil: null }),
  subject: fc.option(text, { nil: null }),
  certSerial: fc.option(fc.stringMatching(/^[0-9a-f]{2,40}$/), { nil: null }),
  verb: fc.constantFrom('capabilities', 'list', 'get', 'search', 'enroll'),
  resource: fc.option(text, { nil: null }),
  outcome: fc.constantFrom('allow' as const, 'deny' as const),
  reason: fc.option(fc.constantFrom('grant_revoked', 'rbac_denied', 'resource_excluded'), { nil: null }),
  rowsOut: fc.nat({ max: 10_000 }),
  bytesOut: fc.nat({ max: 10_000_000 }),
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { auditEventArbitrary } from './audit-event.arbitrary.js';
import { AuditEventError, auditEventSchema, parseAuditEvent } from './audit-event-schema.js';
import { buildAuditChain, nextAuditRecord } from './build-chain.js';
import type { AuditEvent } from './types.js';

const valid: AuditEvent = {
  time: '2025-03-01T12:00:00.000Z',
  grantId: '5b0c4a5e-0000-4000-8000-000000000001',
  subject: 'user-7',
  certSerial: '3f09',
  verb: 'search',
  resource: 'notes',
  outcome: 'deny',
  reason: 'resource_excluded',
  rowsOut: 0,
  bytesOut: 0,
};

describe('auditEventSchema', () => {
  it('accepts an event with every field, nulls where unknown', () => {
    expect(parseAuditEvent(valid)).toEqual(valid);
    const unknowns = {
      ...valid,
      grantId: null,
      subject: null,
      certSerial: null,
      resource: null,
      reason: null,
    };
    expect(auditEventSchema.safeParse(unknowns).success).toBe(true);
  });

  it.each([
    ['an extra key', { ...valid, token: 'ftp_secret' }],
    ['a missing field', (({ bytesOut: _omit, ...rest }) => rest)(valid)],
    ['a local time with offset', { ...valid, time: '2025-03-01T12:00:00+02:00' }],
    ['an upper-case serial', { ...valid, certSerial: '3F09' }],
    ['negative rows', { ...valid, rowsOut: -1 }],
    ['fractional bytes', { ...valid, bytesOut: 1.5 }],
    ['an unknown outcome', { ...valid, outcome: 'maybe' }],
    ['an empty verb', { ...valid, verb: '' }],
    ['a subject with a lone surrogate (it has no UTF-8 form to hash)', { ...valid, subject: 'user-\uD800' }],
    ['a resource with a lone low surrogate', { ...valid, resource: '\uDC00notes' }],
  ])('refuses %s with audit_event_invalid naming the field', (_label, input) => {
    let caught: unknown;
    try {
      parseAuditEvent(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AuditEventError);
    expect(isFedtrustError(caught)).toBe(true);
    const error = caught as AuditEventError;
    expect(error.code).toBe('audit_event_invalid');
    expect(error.status).toBe(400);
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.remediation.length).toBeGreaterThan(0);
  });

  it('accepts text outside the BMP (a well-formed surrogate pair)', () => {
    expect(parseAuditEvent({ ...valid, subject: 'user-\u{1F600}' }).subject).toBe('user-\u{1F600}');
  });

  it('refuses a non-object without crashing', () => {
    expect(() => parseAuditEvent(undefined)).toThrow(AuditEventError);
    expect(() => parseAuditEvent('event')).toThrow(AuditEventError);
  });

  it('property: parseAuditEvent accepts exactly the events auditEventSchema accepts, returns the same copy and names the same issues', () => {
    const keys = Object.keys(valid);
    const mutated = fc.oneof(
      auditEventArbitrary,
      fc
        .tuple(auditEventArbitrary, fc.constantFrom(...keys), fc.anything({ withNullPrototype: true }))
        .map(([event, key, value]) => ({ ...event, [key]: value })),
      fc
        .tuple(
          auditEventArbitrary,
          fc.constantFrom(...keys),
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 600 }),
            fc.double(),
            fc.integer({ min: -5, max: 5 }),
            fc.constantFrom(
              '2025-03-01T12:00:00Z',
              '2025-02-29T12:00:00.000Z',
              '2024-02-29T24:00:00Z',
              '3F09',
            ),
          ),
        )
        .map(([event, key, value]) => ({ ...event, [key]: value })),
      fc.tuple(auditEventArbitrary, fc.constantFrom(...keys)).map(([event, key]) => {
        const copy: Record<string, unknown> = { ...event };
        delete copy[key];
        return copy;
      }),
      fc
        .tuple(auditEventArbitrary, fc.string({ maxLength: 12 }), fc.anything())
        .map(([event, key, value]) => ({ ...event, [key]: value })),
      auditEventArbitrary.map((event) => Object.assign(Object.create(null), event)),
      auditEventArbitrary.map((event) => Object.assign(Object.create({ inherited: 1 }), event)),
    );
    fc.assert(
      fc.property(mutated, (input) => {
        const expected = auditEventSchema.safeParse(input);
        let actual: AuditEvent | AuditEventError;
        try {
          actual = parseAuditEvent(input);
        } catch (error) {
          actual = error as AuditEventError;
        }
        if (expected.success) {
          expect(actual).toStrictEqual(expected.data);
          expect(Object.keys(actual)).toEqual(Object.keys(expected.data));
        } else {
          expect(actual).toBeInstanceOf(AuditEventError);
          expect((actual as AuditEventError).issues).toEqual(
            expected.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('builds nothing when a chain helper is handed an invalid event', () => {
    const records = buildAuditChain('c', [valid]);
    expect(() => nextAuditRecord('c', records[0], { ...valid, rowsOut: -3 })).toThrow(AuditEventError);
    expect(records).toHaveLength(1);
  });
});

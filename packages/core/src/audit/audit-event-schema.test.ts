import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
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

  it('builds nothing when a chain helper is handed an invalid event', () => {
    const records = buildAuditChain('c', [valid]);
    expect(() => nextAuditRecord('c', records[0], { ...valid, rowsOut: -3 })).toThrow(AuditEventError);
    expect(records).toHaveLength(1);
  });
});

/**
 * The zod schema every audit event passes before it is hashed into a chain.
 *
 * @module @fedtrust/core/audit
 */
import { z } from 'zod';
import { FedtrustError } from '../errors/fedtrust-error.js';
import type { AuditEvent } from './types.js';

/** Text with a UTF-8 form: a lone surrogate cannot be canonicalised, so it could never be hashed or verified. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !/\p{Cs}/u.test(value), 'well-formed Unicode (no lone surrogate)');
const nullableText = text(512).nullable();
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * One decision as it is recorded: strict (unknown keys are refused so nothing unhashed
 * rides along), `time` an ISO-8601 UTC instant, `certSerial` the canonical lower-case hex
 * serial, counts non-negative integers.
 */
export const auditEventSchema = z
  .object({
    time: z.iso.datetime({ offset: false }),
    grantId: nullableText,
    subject: nullableText,
    certSerial: z
      .string()
      .regex(/^[0-9a-f]{1,128}$/, 'lower-case hex without separators')
      .nullable(),
    verb: text(64),
    resource: nullableText,
    outcome: z.enum(['allow', 'deny']),
    reason: text(128).nullable(),
    rowsOut: count,
    bytesOut: count,
  })
  .strict() satisfies z.ZodType<AuditEvent>;

/** One invalid field of an audit event: a dotted path and a sentence. */
export interface AuditEventIssue {
  path: string;
  message: string;
}

/** An audit event did not match {@link auditEventSchema}; nothing was appended. */
export class AuditEventError extends FedtrustError {
  static override readonly code = 'audit_event_invalid';
  override readonly name = 'AuditEventError';
  readonly issues: AuditEventIssue[];

  constructor(issues: AuditEventIssue[]) {
    super(
      AuditEventError.code,
      `The audit event is invalid: ${issues.map((i) => `${i.path || '(event)'}: ${i.message}`).join('; ')}`,
      {
        status: 400,
        remediation: 'Build the event with every field of AuditEvent (null where unknown) and no extra keys.',
        details: { issues },
      },
    );
    this.issues = issues;
  }
}

/**
 * Validates an audit event and returns a clean copy. `canonicalEvent` and `chainHash` call
 * it, so a store's `appendAudit` refuses an invalid event with {@link AuditEventError}
 * before anything is written and the chain is left untouched.
 */
export function parseAuditEvent(input: unknown): AuditEvent {
  const result = auditEventSchema.safeParse(input);
  if (result.success) return result.data;
  throw new AuditEventError(
    result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

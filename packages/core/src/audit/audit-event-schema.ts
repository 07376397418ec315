/**
 * The zod schema every audit event passes before it is hashed into a chain.
 *
 * @module @fedtrust/core/audit
 */
import { z } from 'zod';
import { FedtrustError } from '../errors/fedtrust-error.js';
import type { AuditEvent } from './types.js';

const LONE_SURROGATE = /\p{Cs}/u;
const SERIAL = /^[0-9a-f]{1,128}$/;

/** Text with a UTF-8 form: a lone surrogate cannot be canonicalised, so it could never be hashed or verified. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !LONE_SURROGATE.test(value), 'well-formed Unicode (no lone surrogate)');
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
    certSerial: z.string().regex(SERIAL, 'lower-case hex without separators').nullable(),
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
  const plain = plainEvent(input);
  if (plain !== null) return plain;
  const result = auditEventSchema.safeParse(input);
  if (result.success) return result.data;
  throw new AuditEventError(
    result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

/** The schema's own datetime pattern, so both paths judge `time` by the same expression. */
const TIME = auditEventSchema.shape.time.def.pattern;
const FIELDS = new Set(Object.keys(auditEventSchema.shape));

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max && !LONE_SURROGATE.test(value);
}

function isNullableText(value: unknown, max: number): value is string | null {
  return value === null || isText(value, max);
}

function isCount(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER
  );
}

/**
 * The clean copy zod would return, for an ordinary event (a plain object whose enumerable
 * keys are exactly the schema's, every value in range) — else `null`, and zod decides and
 * names the issues. It accepts nothing the schema refuses: every check is the schema's own
 * rule, the keys are enumerated as zod's strict check enumerates them, and anything unusual
 * (a class instance, a missing or extra key) goes to zod. Events are appended on every
 * request; this saves the schema walk on the path where nothing is wrong.
 */
function plainEvent(input: unknown): AuditEvent | null {
  if (TIME === undefined || typeof input !== 'object' || input === null) return null;
  const prototype = Object.getPrototypeOf(input);
  if (prototype !== Object.prototype && prototype !== null) return null;
  let keys = 0;
  for (const key in input) {
    if (!FIELDS.has(key)) return null;
    keys += 1;
  }
  if (keys !== FIELDS.size) return null;
  const event = input as Record<keyof AuditEvent, unknown>;
  const { time, grantId, subject, certSerial, verb, resource, outcome, reason, rowsOut, bytesOut } = event;
  TIME.lastIndex = 0;
  if (typeof time !== 'string' || !TIME.test(time)) return null;
  if (!isNullableText(grantId, 512) || !isNullableText(subject, 512)) return null;
  if (certSerial !== null && (typeof certSerial !== 'string' || !SERIAL.test(certSerial))) return null;
  if (!isText(verb, 64) || !isNullableText(resource, 512)) return null;
  if (outcome !== 'allow' && outcome !== 'deny') return null;
  if (!isNullableText(reason, 128) || !isCount(rowsOut) || !isCount(bytesOut)) return null;
  return { time, grantId, subject, certSerial, verb, resource, outcome, reason, rowsOut, bytesOut };
}

/**
 * The federation request handler: enrollment, renewal, then every verb through core's guard,
 * the host's resource sources, the row cap, the audit chain and the rate limits.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  type AllowDecision,
  type AuditEvent,
  type ConnectionIdentity,
  DENY_REMEDIATION,
  DENY_STATUS,
  type Decision,
  type DenyReason,
  type FederationStore,
  type GuardDeps,
  guard,
  isFedtrustError,
  type Logger,
  silentLogger,
  type Verb,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import {
  type Attributes,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ATTR, type ServerInstruments, serverInstruments } from '../telemetry/instruments.js';
import { clientAddress, rateLimitKey, trustedProxies } from './client-address.js';
import { createConnectionIdentities } from './connection-identity.js';
import { firstDenyPerWindow } from './first-deny-per-window.js';
import { matchRoute } from './match-route.js';
import {
  DEFAULT_ENROLL_BUDGET,
  DEFAULT_GRANT_BUDGET,
  DEFAULT_RENEW_BUDGET,
  type FederationHandlerOptions,
  retireAfterSeconds,
} from './options.js';
import { memoryLimiter, spend } from './rate-limit.js';
import { DEFAULT_MAX_BODY_BYTES } from './read-json-body.js';
import { sendError, sendJson } from './respond.js';
import { serveEnroll } from './serve-enroll.js';
import { type RenewOutcome, serveRenew } from './serve-renew.js';
import { type Served, serveAllowed } from './serve-verb.js';

/** A node `request` listener; hosts with their own `https.Server` mount it directly. */
export type FederationHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Shared, per-handler state the route functions read. */
export interface HandlerContext {
  options: FederationHandlerOptions;
  store: FederationStore;
  clock: NonNullable<FederationHandlerOptions['clock']>;
  random: NonNullable<FederationHandlerOptions['random']>;
  logger: Logger;
  chainId: string;
  maxBodyBytes: number;
  instruments: ServerInstruments;
}

/** A decision as recorded: the audit event without its time, which `record` stamps. */
type Recorded = Omit<AuditEvent, 'time'>;

/**
 * Builds the request listener. Every route outcome is decided fail-closed: an error
 * anywhere while deciding, fetching or auditing answers `503 decision_failed` and sends no
 * rows. Every guarded decision is appended to the audit chain before its answer is sent —
 * except the `rate_limited` denies of a client without a readable certificate past the first
 * per address per window, which are only counted; when that append fails an allow becomes
 * `503 decision_failed` (no rows leave unrecorded), while a deny keeps its own status (it
 * discloses nothing) and the failure is logged.
 */
export function createFederationHandler(options: FederationHandlerOptions): FederationHandler {
  const ctx: HandlerContext = {
    options,
    store: options.store,
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
    logger: options.logger ?? silentLogger,
    chainId: options.auditChainId ?? 'federation',
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    instruments: serverInstruments(options),
  };
  const identities = createConnectionIdentities(options.identityArc);
  const grantLimiter =
    options.rateLimiter ?? memoryLimiter(options.rateLimit ?? DEFAULT_GRANT_BUDGET, 'fedtrust-grant');
  // Per client address: /enroll, and any request no grant budget can be charged for.
  const addressLimiter =
    options.enrollment?.rateLimiter ??
    memoryLimiter(options.enrollment?.rateLimit ?? DEFAULT_ENROLL_BUDGET, 'fedtrust-enroll');
  const firstAddressDeny = firstDenyPerWindow(ctx.clock);
  const isTrustedProxy = trustedProxies(options.enrollment?.trustedProxies);
  const renewal = options.renewal === false ? undefined : options.renewal;
  const renewalCa = options.renewal === false ? undefined : (renewal?.ca ?? options.enrollment?.ca);
  const renewLimiter =
    renewal?.rateLimiter ?? memoryLimiter(renewal?.rateLimit ?? DEFAULT_RENEW_BUDGET, 'fedtrust-renew');
  const renewalGrace = retireAfterSeconds(renewal);
  const guardDeps: GuardDeps = {
    store: options.store,
    clock: ctx.clock,
    authorize: options.authorize,
    ...(options.catalogue === undefined ? {} : { catalogue: options.catalogue }),
  };

  /** Counts the decision and, unless `audited` is false, appends it to the chain; false if that append failed. */
  async function record(span: Span, event: Recorded, audited = true): Promise<boolean> {
    const attributes: Attributes = { [ATTR.outcome]: event.outcome, [ATTR.verb]: event.verb };
    if (event.reason !== null) attributes[ATTR.reason] = event.reason;
    ctx.instruments.decisions.add(1, attributes);
    if (span.isRecording()) {
      span.setAttributes({
        ...attributes,
        [ATTR.rowsOut]: event.rowsOut,
        [ATTR.bytesOut]: event.bytesOut,
        ...(event.grantId === null ? {} : { [ATTR.grantId]: event.grantId }),
        ...(event.resource === null ? {} : { [ATTR.resource]: event.resource }),
      });
    }
    if (!audited) return true;
    const audit: AuditEvent = { time: ctx.clock.now().toISOString(), ...event };
    try {
      await ctx.store.appendAudit(ctx.chainId, audit);
      return true;
    } catch (error) {
      ctx.logger.error('fedtrust: audit append failed', {
        chainId: ctx.chainId,
        verb: event.verb,
        outcome: event.outcome,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  async function deny(
    res: ServerResponse,
    span: Span,
    base: Omit<Recorded, 'outcome' | 'reason' | 'rowsOut' | 'bytesOut'>,
    reason: DenyReason,
    headers: Record<string, string> = {},
    audited = true,
  ): Promise<void> {
    const status = DENY_STATUS[reason];
    const body = JSON.stringify({ error: reason, reason: DENY_REMEDIATION[reason] });
    await record(
      span,
      { ...base, outcome: 'deny', reason, rowsOut: 0, bytesOut: Buffer.byteLength(body) },
      audited,
    );
    span.setAttribute(ATTR.status, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    sendError(res, status, reason, DENY_REMEDIATION[reason], headers);
  }

  /**
   * Spends a point of the client address's budget for a request no grant can be charged for:
   * `/enroll`, or a connection without a readable identity (no verified certificate, or one
   * whose identity extensions are missing or malformed). Past the budget it answers
   * `429 rate_limited` itself and audits only the first such deny per address per window
   * (every one is still counted, and the first is logged); a limiter failure denies
   * `decision_failed`, audited. Returns whether the request may go on.
   */
  async function spendAddress(
    req: IncomingMessage,
    res: ServerResponse,
    span: Span,
    base: Omit<Recorded, 'outcome' | 'reason' | 'rowsOut' | 'bytesOut'>,
  ): Promise<boolean> {
    const key = rateLimitKey(clientAddress(req, isTrustedProxy));
    const spent = await spend(addressLimiter, key);
    if (spent.ok) return true;
    if (spent.kind === 'error') {
      ctx.logger.error('fedtrust: rate limiter failed', { error: String(spent.cause) });
      await deny(res, span, base, 'decision_failed');
      return false;
    }
    const audited = firstAddressDeny(key, spent.msBeforeNext);
    if (audited) {
      ctx.logger.warn(
        'fedtrust: client address rate limited; its further denies this window are counted, not audited',
        {
          address: key,
          verb: base.verb,
          retryAfterSeconds: spent.retryAfterSeconds,
        },
      );
    }
    await deny(res, span, base, 'rate_limited', { 'retry-after': String(spent.retryAfterSeconds) }, audited);
    return false;
  }

  /**
   * The step every authenticated route shares: spend the grant's budgets (or, without an
   * identity, the client address's), then run the guard. Any deny — a limit, a limiter or
   * guard failure (fail closed), a guard verdict — is answered and audited here and gives
   * `null`; an allow gives the decision and the audit fields for the rest of the route.
   */
  async function admit(
    req: IncomingMessage,
    res: ServerResponse,
    span: Span,
    base: Omit<Recorded, 'outcome' | 'reason' | 'rowsOut' | 'bytesOut'>,
    connection: ConnectionIdentity,
    limiters: readonly (typeof grantLimiter)[],
    run: () => Promise<Decision>,
  ): Promise<{ decision: AllowDecision; allowedBase: typeof base } | null> {
    if (connection.ok) {
      for (const limiter of limiters) {
        const spent = await spend(limiter, connection.identity.grantId);
        if (!spent.ok && spent.kind === 'limited') {
          await deny(res, span, base, 'rate_limited', { 'retry-after': String(spent.retryAfterSeconds) });
          return null;
        }
        if (!spent.ok) {
          ctx.logger.error('fedtrust: rate limiter failed', { error: String(spent.cause) });
          await deny(res, span, base, 'decision_failed');
          return null;
        }
      }
    } else if (!(await spendAddress(req, res, span, base))) {
      return null;
    }
    let decision: Decision;
    try {
      decision = await run();
    } catch (error) {
      ctx.logger.error('fedtrust: guard failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      await deny(res, span, base, 'decision_failed');
      return null;
    }
    if (!decision.allow) {
      await deny(
        res,
        span,
        { ...base, grantId: decision.grantId, subject: decision.subject, certSerial: decision.certSerial },
        decision.reason,
      );
      return null;
    }
    return {
      decision,
      allowedBase: {
        ...base,
        grantId: decision.grant.id,
        subject: decision.identity.subjectUserId,
        certSerial: decision.certSerial,
      },
    };
  }

  /** Runs the guard; `label` names the route in the guard-time histogram when it is not `verb`. */
  async function decide(
    connection: ConnectionIdentity,
    verb: Verb,
    resource?: string,
    id?: string,
    label: string = verb,
  ): Promise<Decision> {
    const started = performance.now();
    try {
      return await guard(
        {
          connection,
          verb,
          ...(resource === undefined ? {} : { resource }),
          ...(id === undefined ? {} : { id }),
        },
        guardDeps,
      );
    } finally {
      ctx.instruments.guardDuration.record(performance.now() - started, { [ATTR.verb]: label });
    }
  }

  async function serveVerb(
    req: IncomingMessage,
    res: ServerResponse,
    span: Span,
    verb: Verb,
    resource: string | undefined,
    id: string | undefined,
  ): Promise<void> {
    span.updateName(`fedtrust.serve ${verb}`);
    const connection = identities(req.socket);
    const base = {
      grantId: connection.ok ? connection.identity.grantId : null,
      subject: connection.ok ? connection.identity.subjectUserId : null,
      certSerial: connection.certSerial || null,
      verb,
      resource: resource ?? null,
    };
    const admitted = await admit(req, res, span, base, connection, [grantLimiter], () =>
      decide(connection, verb, resource, id),
    );
    if (admitted === null) return;
    const { decision, allowedBase } = admitted;
    let served: Served;
    try {
      served = await serveAllowed(ctx, req, res, decision, id);
    } catch (error) {
      if (isFedtrustError(error) && error.status < 500) {
        const body = JSON.stringify({ error: error.code, reason: error.remediation });
        await record(span, {
          ...allowedBase,
          outcome: 'deny',
          reason: error.code,
          rowsOut: 0,
          bytesOut: Buffer.byteLength(body),
        });
        span.setAttribute(ATTR.status, error.status);
        sendError(res, error.status, error.code, error.remediation);
        return;
      }
      ctx.logger.error('fedtrust: resource source failed', {
        verb,
        resource: resource ?? null,
        error: error instanceof Error ? error.message : String(error),
      });
      return deny(res, span, allowedBase, 'decision_failed');
    }
    const recorded = await record(span, {
      ...allowedBase,
      outcome: 'allow',
      reason: null,
      rowsOut: served.rows,
      bytesOut: served.payload.byteLength,
    });
    if (!recorded) {
      // The rows were never sent: an answer the audit chain cannot show must not leave.
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'audit_failed' });
      span.setAttribute(ATTR.status, 503);
      sendError(res, 503, 'decision_failed', DENY_REMEDIATION.decision_failed);
      return;
    }
    span.setAttribute(ATTR.status, 200);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(served.payload.byteLength),
      'cache-control': 'no-store',
    });
    res.end(served.payload);
  }

  /**
   * `POST /renew`: the grant budget and the renewal budget are spent first, then the guard
   * runs as for `capabilities` — identity, grant, status and binding; the scope always allows
   * `capabilities` and RBAC is not asked — so only a bound certificate of an active grant and
   * peer renews. The decision is audited with the presenting serial and, as its resource,
   * the new certificate (`certificate/<serial>`).
   */
  async function serveRenewRoute(req: IncomingMessage, res: ServerResponse, span: Span): Promise<void> {
    span.updateName('fedtrust.serve renew');
    if (renewalCa === undefined) {
      span.setAttribute(ATTR.status, 404);
      sendError(res, 404, 'not_found', 'Renewal is not enabled on this gateway.');
      return;
    }
    const connection = identities(req.socket);
    const base = {
      grantId: connection.ok ? connection.identity.grantId : null,
      subject: connection.ok ? connection.identity.subjectUserId : null,
      certSerial: connection.certSerial || null,
      verb: 'renew',
      resource: null,
    };
    const admitted = await admit(req, res, span, base, connection, [grantLimiter, renewLimiter], () =>
      decide(connection, 'capabilities', undefined, undefined, 'renew'),
    );
    if (admitted === null) return;
    const { decision, allowedBase } = admitted;
    let outcome: RenewOutcome;
    try {
      outcome = await serveRenew(ctx, req, decision, {
        ca: renewalCa,
        retireAfterSeconds: renewalGrace,
        ...(renewal?.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: renewal.lifetimeSeconds }),
      });
    } catch (error) {
      ctx.logger.error('fedtrust: renewal failed', {
        grantId: decision.grant.id,
        error: error instanceof Error ? error.message : String(error),
      });
      return deny(res, span, allowedBase, 'decision_failed');
    }
    // Like enrollment, an audit failure does not withhold a certificate that is already bound:
    // it exists either way, and refusing would only strand it. `record` logs the failure.
    await record(span, {
      ...allowedBase,
      resource: outcome.serial === null ? null : `certificate/${outcome.serial}`,
      outcome: outcome.status === 201 ? 'allow' : 'deny',
      reason: outcome.error ?? null,
      rowsOut: 0,
      bytesOut: Buffer.byteLength(JSON.stringify(outcome.body)),
    });
    span.setAttribute(ATTR.status, outcome.status);
    if (outcome.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
    sendJson(res, outcome.status, outcome.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, span: Span): Promise<void> {
    const route = matchRoute(req.method, req.url);
    switch (route.kind) {
      case 'not_found':
        span.setAttribute(ATTR.status, 404);
        sendError(res, 404, 'not_found', 'No fedtrust route has this path; see /fedtrust/v1/capabilities.');
        return;
      case 'method_not_allowed':
        span.setAttribute(ATTR.status, 405);
        sendError(res, 405, 'method_not_allowed', `Use ${route.allow} for this route.`, {
          allow: route.allow,
        });
        return;
      case 'enroll': {
        if (options.enrollment === undefined) {
          span.setAttribute(ATTR.status, 404);
          sendError(res, 404, 'not_found', 'Enrollment is not enabled on this gateway.');
          return;
        }
        const enrollBase = { grantId: null, subject: null, certSerial: null, verb: 'enroll', resource: null };
        if (!(await spendAddress(req, res, span, enrollBase))) return;
        const outcome = await serveEnroll(ctx, req, options.enrollment.ca);
        await record(span, {
          grantId: outcome.grantId,
          subject: null,
          certSerial: outcome.serial,
          verb: 'enroll',
          resource: null,
          outcome: outcome.status === 201 ? 'allow' : 'deny',
          reason: outcome.error ?? null,
          rowsOut: 0,
          bytesOut: Buffer.byteLength(JSON.stringify(outcome.body)),
        });
        span.setAttribute(ATTR.status, outcome.status);
        sendJson(res, outcome.status, outcome.body);
        return;
      }
      case 'renew':
        return serveRenewRoute(req, res, span);
      case 'verb':
        return serveVerb(req, res, span, route.verb, route.resource, route.id);
    }
  }

  function serve(req: IncomingMessage, res: ServerResponse, span: Span): Promise<void> {
    return handle(req, res, span)
      .catch((error: unknown) => {
        ctx.logger.error('fedtrust: request failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'decision_failed' });
        if (!res.headersSent) sendError(res, 503, 'decision_failed', DENY_REMEDIATION.decision_failed);
        else res.destroy();
      })
      .finally(() => span.end());
  }

  const { tracer } = ctx.instruments;
  return (req, res) => {
    // What startActiveSpan does, except that a span whose context is invalid (the no-op
    // tracer of a host without an SDK) is not made active: it would change nothing for the
    // code inside, and entering a context costs more than the rest of the span.
    const parent = context.active();
    const span = tracer.startSpan(
      'fedtrust.serve',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '' } },
      parent,
    );
    if (isSpanContextValid(span.spanContext())) {
      context.with(trace.setSpan(parent, span), serve, undefined, req, res, span);
    } else {
      void serve(req, res, span);
    }
  };
}

/**
 * Answering an allowed request: capabilities from the grant's scope, rows from the host's
 * resource source with the scope's filter and row cap applied and each row tagged `_source`.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AllowDecision, FedtrustError, VERBS } from '@fedtrust/core';
import type { CapabilitiesResult, GetResult, Row, RowsResult, SourceContext, SourcedRow } from '../types.js';
import type { HandlerContext } from './create-federation-handler.js';
import { readJsonBody } from './read-json-body.js';

/** The serialised answer, not yet sent: it leaves only after its audit record is appended. */
export interface Served {
  payload: Buffer;
  rows: number;
}

const DATA_VERBS = VERBS.filter(
  (v): v is Exclude<(typeof VERBS)[number], 'capabilities'> => v !== 'capabilities',
);

/**
 * Tags one row a source returned. The row cap counts top-level rows, so a "row" that is an
 * array (or a primitive) is refused: an array of records would carry them all past the cap.
 */
function tag(row: unknown, source: string, resource: string): SourcedRow {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new TypeError(`source for "${resource}" returned a row that is not an object`);
  }
  return { ...(row as Row), _source: source };
}

function requestedLimit(body: Record<string, unknown>, rowCap: number): number {
  const limit = body['limit'];
  if (limit === undefined) return rowCap;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new FedtrustError('body_invalid', '`limit` must be a positive integer.', {
      status: 400,
      remediation: 'Send `limit` as a positive integer, or omit it to get up to the grant row cap.',
    });
  }
  return Math.min(limit, rowCap);
}

/**
 * Produces the answer to an allowed decision. Throws a 4xx `FedtrustError` for a bad body or
 * a resource this gateway has no source for; any other throw is a source failure the
 * handler answers fail-closed. The row cap is applied here whatever the source returned.
 */
export async function serveAllowed(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  decision: AllowDecision,
  id: string | undefined,
): Promise<Served> {
  const gateway = ctx.options.gatewayName;
  if (decision.verb === 'capabilities') {
    const scope = decision.grant.scope;
    const capabilities: CapabilitiesResult = {
      gateway,
      grantId: decision.grant.id,
      resources: [...scope.resources],
      excludedResources: [...(scope.excluded_resources ?? [])],
      maxRowsPerQuery: scope.max_rows_per_query,
      verbs: [...(scope.verbs ?? DATA_VERBS)],
    };
    return { payload: Buffer.from(JSON.stringify(capabilities)), rows: 0 };
  }
  const resource = decision.resource as string;
  const source = Object.hasOwn(ctx.options.sources, resource) ? ctx.options.sources[resource] : undefined;
  if (source === undefined) {
    throw new FedtrustError('resource_unavailable', `This gateway serves no source for "${resource}".`, {
      status: 404,
      remediation: 'The resource is granted but this gateway does not serve it; ask its operator.',
    });
  }
  const body = await readJsonBody(req, ctx.maxBodyBytes);
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.once('close', onClose);
  const sourceCtx: SourceContext = {
    tenantId: decision.grant.tenantId,
    subjectUserId: decision.identity.subjectUserId,
    grantId: decision.grant.id,
    signal: abort.signal,
  };
  try {
    if (decision.verb === 'get') {
      const row = await source.get(id as string, decision.filter, sourceCtx);
      const result: GetResult = {
        row: row === null || row === undefined ? null : tag(row, gateway, resource),
      };
      return { payload: Buffer.from(JSON.stringify(result)), rows: result.row === null ? 0 : 1 };
    }
    const limit = requestedLimit(body, decision.rowCap);
    let rows: Row[];
    if (decision.verb === 'search') {
      const query = body['query'];
      if (typeof query !== 'string' || query.length === 0) {
        throw new FedtrustError('body_invalid', '`query` must be a non-empty string.', {
          status: 400,
          remediation: 'Send `{ "query": "..." }` to search.',
        });
      }
      rows = await source.search(query, decision.filter, limit, sourceCtx);
    } else {
      rows = await source.list(decision.filter, limit, sourceCtx);
    }
    if (!Array.isArray(rows)) throw new TypeError(`source for "${resource}" returned a non-array`);
    const result: RowsResult = {
      rows: rows.slice(0, limit).map((row) => tag(row, gateway, resource)),
      truncated: rows.length > limit,
    };
    return { payload: Buffer.from(JSON.stringify(result)), rows: result.rows.length };
  } finally {
    res.off('close', onClose);
  }
}

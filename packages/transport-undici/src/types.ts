/**
 * Shapes shared by the federation server, client and fan-out: resource sources the host
 * supplies and the JSON documents on the wire.
 *
 * @module @fedtrust/transport-undici
 */
import type { ResourceFilter, Verb } from '@fedtrust/core';

/** One row a resource source returns. The server adds `_source`; a source never sets it. */
export type Row = Record<string, unknown>;

/** A row as it travels: tagged with the name of the gateway that served it. */
export type SourcedRow = Row & { _source: string };

/**
 * Who is asking, as the serving gateway sees it: the grant's subject user in the grant's
 * tenant. A source must answer as this user (its own RBAC and row filters apply).
 */
export interface SourceContext {
  tenantId: string;
  subjectUserId: string;
  grantId: string;
  /** Aborted when the peer disconnects; sources that do I/O should pass it on. */
  signal: AbortSignal;
}

/**
 * What a host supplies per resource. `filter` is the grant scope's filter for the resource
 * (`null` when the scope sets none); `limit` is the row cap the server will enforce anyway.
 */
export interface ResourceSource {
  list(filter: ResourceFilter | null, limit: number, ctx: SourceContext): Promise<Row[]> | Row[];
  get(id: string, filter: ResourceFilter | null, ctx: SourceContext): Promise<Row | null> | Row | null;
  search(
    query: string,
    filter: ResourceFilter | null,
    limit: number,
    ctx: SourceContext,
  ): Promise<Row[]> | Row[];
}

/** `GET /fedtrust/v1/capabilities`: what the grant allows. */
export interface CapabilitiesResult {
  gateway: string;
  grantId: string;
  resources: string[];
  excludedResources: string[];
  maxRowsPerQuery: number;
  verbs: Exclude<Verb, 'capabilities'>[];
}

/** `POST /fedtrust/v1/list|search/:resource`. `truncated` is true when the row cap cut the answer. */
export interface RowsResult {
  rows: SourcedRow[];
  truncated: boolean;
}

/** `POST /fedtrust/v1/get/:resource/:id`: the row, or `null` when the source has none visible. */
export interface GetResult {
  row: SourcedRow | null;
}

/** `POST /fedtrust/v1/enroll` answer: the issued leaf and its chain, PEM. */
export interface EnrollResult {
  certificatePem: string;
  chainPem: string[];
  serial: string;
  /** ISO-8601 instant the certificate stops being valid. */
  notAfter: string;
}

/**
 * `POST /fedtrust/v1/renew` answer: the same shape as enrollment's. The new certificate is
 * already bound at the serving gateway when this arrives.
 */
export type RenewResult = EnrollResult;

/** Every non-2xx body: a stable code and a human sentence, nothing else. */
export interface ErrorBody {
  error: string;
  reason: string;
}

/** The path prefix every route lives under. */
export const API_PREFIX = '/fedtrust/v1';

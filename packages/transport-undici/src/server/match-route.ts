/**
 * Maps a request line onto a federation route. Pure: no I/O, so every path shape is tested
 * without a socket.
 *
 * @module @fedtrust/transport-undici
 */
import type { Verb } from '@fedtrust/core';
import { API_PREFIX } from '../types.js';

/** A recognised route, or why none matched. */
export type RouteMatch =
  | { kind: 'enroll' }
  | { kind: 'renew' }
  | { kind: 'verb'; verb: Verb; resource?: string; id?: string }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: string };

const DATA_VERBS = new Map<string, { verb: Verb; segments: number }>([
  ['list', { verb: 'list', segments: 1 }],
  ['get', { verb: 'get', segments: 2 }],
  ['search', { verb: 'search', segments: 1 }],
]);

const PREFIX = `${API_PREFIX}/`;

/** Longer names are no catalogue's; refusing them keeps audit records and logs bounded. */
export const MAX_SEGMENT_LENGTH = 256;

function decodeSegment(segment: string): string | null {
  try {
    // Without a `%` there is nothing to decode (decodeURIComponent would return it unchanged).
    const decoded = segment.includes('%') ? decodeURIComponent(segment) : segment;
    return decoded.length === 0 || decoded.length > MAX_SEGMENT_LENGTH ? null : decoded;
  } catch {
    return null;
  }
}

/**
 * Decides which route `method` + `url` addresses. Anything outside `/fedtrust/v1/`, with
 * the wrong number of segments, or with an empty or over-long segment is `not_found`; the right path with the wrong method is
 * `method_not_allowed`. The query string is ignored.
 */
export function matchRoute(method: string | undefined, url: string | undefined): RouteMatch {
  const target = url ?? '/';
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  if (!path.startsWith(PREFIX)) return { kind: 'not_found' };
  const rest = path.slice(PREFIX.length).split('/');
  const head = rest.shift();
  if (head === 'enroll' && rest.length === 0) {
    return method === 'POST' ? { kind: 'enroll' } : { kind: 'method_not_allowed', allow: 'POST' };
  }
  if (head === 'renew' && rest.length === 0) {
    return method === 'POST' ? { kind: 'renew' } : { kind: 'method_not_allowed', allow: 'POST' };
  }
  if (head === 'capabilities' && rest.length === 0) {
    return method === 'GET'
      ? { kind: 'verb', verb: 'capabilities' }
      : { kind: 'method_not_allowed', allow: 'GET' };
  }
  const data = head === undefined ? undefined : DATA_VERBS.get(head);
  if (data === undefined || rest.length !== data.segments) return { kind: 'not_found' };
  const decoded = rest.map(decodeSegment);
  if (decoded.some((s) => s === null)) return { kind: 'not_found' };
  if (method !== 'POST') return { kind: 'method_not_allowed', allow: 'POST' };
  const [resource, id] = decoded as string[];
  return id === undefined
    ? { kind: 'verb', verb: data.verb, resource: resource as string }
    : { kind: 'verb', verb: data.verb, resource: resource as string, id };
}

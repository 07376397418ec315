/**
 * `doctor --check clock`: this host's clock against the HTTP `Date` header of the CA and of
 * each peer gateway. A source that cannot be reached is a failure, never a pass.
 *
 * @module @fedtrust/cli
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readTextFile } from '../../compose/read-file.js';
import { type Check, type Finding, result } from '../types.js';

const TIMEOUT_MS = 5000;

/** The `Date` header of one GET, with the local instants the request started and ended. */
export function fetchDate(
  url: string,
  options: { ca?: string; now: () => number },
): Promise<{ date: Date; sentAt: number; receivedAt: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const sentAt = options.now();
    const req = request(
      target,
      { method: 'GET', timeout: TIMEOUT_MS, ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (res) => {
        const receivedAt = options.now();
        res.resume();
        const header = res.headers.date;
        const date = header === undefined ? null : new Date(header);
        if (date === null || Number.isNaN(date.getTime())) {
          reject(new Error(`answered ${res.statusCode} without a usable Date header`));
        } else {
          resolve({ date, sentAt, receivedAt });
        }
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

export const clockCheck: Check = async (rt, options) => {
  const offsetMs = options.clockOffsetSeconds * 1000;
  const now = () => rt.clock.now().getTime() + offsetMs;
  const sources: { subject: string; url: string; ca?: string }[] = [];
  if (rt.settings.ca !== 'local') {
    const opened = await rt.ca('inspect');
    if (opened.kind === 'stepca')
      sources.push({ subject: `ca ${opened.url}`, url: `${opened.url}/health`, ca: opened.pinnedRootPem });
  }
  const peerCa =
    options.peerCa === undefined ? undefined : readTextFile(options.peerCa, rt.io.cwd, '--peer-ca');
  for (const url of options.peerUrls) {
    if (!/^https?:\/\//.test(url)) continue;
    sources.push({ subject: `peer ${url}`, url, ...(peerCa === undefined ? {} : { ca: peerCa }) });
  }
  const threshold = options.clockThresholdSeconds;
  const details: Record<string, unknown> = {
    thresholdSeconds: threshold,
    offsetSeconds: options.clockOffsetSeconds,
  };
  const badUrls = options.peerUrls.filter((url) => !/^https?:\/\//.test(url));
  // Nothing to compare with measures nothing: like an unreachable source, that is a
  // failure, never a pass and never a warning doctor's exit code would let through.
  if (sources.length === 0 && badUrls.length === 0) {
    return result('clock', {
      status: 'fail',
      summary: 'no time source to compare with (local CA, no --peer-url): skew was not measured',
      remediation:
        'Pass --peer-url (or FEDTRUST_PEER_URLS) for each peer gateway, or use a Step-CA, so clock skew is measured; to leave the clock out on purpose, name the other checks with --check.',
      details,
    });
  }
  const findings: Finding[] = badUrls.map((url) => ({
    status: 'fail',
    subject: `peer ${url}`,
    message: 'not an http(s) URL',
  }));
  const skews: Record<string, number | null> = {};
  for (const source of sources) {
    try {
      const { date, sentAt, receivedAt } = await fetchDate(source.url, {
        now,
        ...(source.ca === undefined ? {} : { ca: source.ca }),
      });
      // Date has one-second resolution: compare its midpoint with the middle of the round trip.
      const skewSeconds = Math.round((date.getTime() + 500 - (sentAt + receivedAt) / 2) / 1000);
      skews[source.subject] = skewSeconds;
      const ahead = skewSeconds >= 0 ? 'ahead of' : 'behind';
      findings.push({
        status: Math.abs(skewSeconds) > threshold ? 'fail' : 'pass',
        subject: source.subject,
        message: `${Math.abs(skewSeconds)} s ${ahead} this host (threshold ${threshold} s)`,
      });
    } catch (error) {
      skews[source.subject] = null;
      findings.push({
        status: 'fail',
        subject: source.subject,
        message: `offline: ${(error as Error).message}`,
      });
    }
  }
  const failing = findings.filter((f) => f.status === 'fail');
  const offline = failing.some((f) => f.message.startsWith('offline') || f.message.startsWith('not an'));
  return result('clock', {
    summary:
      failing.length === 0
        ? `within ${threshold} s of ${sources.length} source(s)`
        : failing.map((f) => `${f.subject}: ${f.message}`).join('; '),
    remediation: offline
      ? 'Make every listed source reachable from this host (an unreachable source is a failure, not a pass), then run doctor again.'
      : 'Synchronise this host and the listed sources with NTP (chronyd/systemd-timesyncd); certificates and one-time tokens fail beyond a minute of skew.',
    findings,
    details: { ...details, skewSeconds: skews },
  });
};

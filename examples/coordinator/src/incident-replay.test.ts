import { describe, expect, it } from 'vitest';
import { runReplay } from './incident-replay.js';

describe('coordinator incident replay over real WebSockets', () => {
  it('rejects no old client during the settling window, never lets the impostor hold or route a slot, and the pre-flip audit blocks the flag', async () => {
    const lines: string[] = [];
    const result = await runReplay((line) => lines.push(line));

    // Old clients (old-a's attempts, then old-b's): minted, self-healed after old-a's blip and
    // after the second restart — never refused.
    expect(result.oldClientRejections).toBe(0);
    expect(result.oldClientGreetings.map((g) => (g.type === 'admitted' ? g.event : g.code))).toEqual([
      'minted',
      'self_heal',
      'self_heal',
      'minted',
      'self_heal',
    ]);

    // The impostor: refused every time, with the reason the situation calls for.
    expect(result.impostorGreetings.map((g) => (g.type === 'rejected' ? g.code : g.type))).toEqual([
      'live_session_protected',
      'live_session_protected',
      'invalid_token',
      'tofu_reject',
      'live_session_protected',
    ]);
    expect(result.impostorEverInView).toBe(false);
    expect(result.impostorEverRoutable).toBe(false);
    expect(result.impostorJobs).toEqual([]);
    expect(result.victimJobs).toEqual(['job-1', 'job-2']);
    expect(result.victimOldSocketEvicted).toBe(true);

    expect(result.finalView.map((s) => [s.providerId, s.authState, s.eligible])).toEqual([
      ['old-a', 'self_minted', true],
      ['old-b', 'self_minted', true],
      ['victim', 'bearer_validated', true],
    ]);
    // Old clients never present a token, so flipping requireProviderTokens would brick them.
    expect(result.preFlip.safe).toBe(false);
    expect(
      result.preFlip.blockers
        .map((b) => [b.kind, b.providerId])
        .sort((a, b) => a.join().localeCompare(b.join())),
    ).toEqual([
      ['session_self_minted_unproven', 'old-a'],
      ['session_self_minted_unproven', 'old-b'],
      ['token_never_used', 'old-a'],
      ['token_never_used', 'old-b'],
    ]);
    expect(result.ok).toBe(true);
    // The operator transcript shows token prefixes only.
    expect(lines.join('\n')).not.toMatch(/ftp_[A-Za-z0-9_-]{20,}/);
  });
});

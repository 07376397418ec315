/**
 * `doctor --check tokens`: the pre-flip audit; a warning while `requireProviderTokens` is off.
 *
 * @module @fedtrust/cli
 */
import { readSessions, runPreFlip } from '../../commands/tokens.js';
import { type Check, type Finding, result } from '../types.js';

export const tokensCheck: Check = async (rt, options) => {
  const { store } = await rt.store('inspect');
  const sessions = readSessions(options.sessionsFile, rt.io.cwd);
  const report = await runPreFlip(store, rt.clock.now(), sessions);
  const findings: Finding[] = report.blockers.map((b) => ({
    status: options.requireProviderTokens ? 'fail' : 'warn',
    subject: `provider ${b.providerId}`,
    message: `${b.kind}${b.tokenPrefix === undefined ? '' : ` (token ${b.tokenPrefix}…)`}${b.connectionId === undefined ? '' : ` (connection ${b.connectionId})`}`,
  }));
  const counts = `${report.checkedTokens} token(s), ${report.checkedSessions} session(s)`;
  const details = { requireProviderTokens: options.requireProviderTokens, ...report };
  if (!options.requireProviderTokens) {
    return result('tokens', {
      status: 'warn',
      summary: `requireProviderTokens is off; pre-flip audit: ${report.safe ? 'no blockers' : `${report.blockers.length} blocker(s)`} (${counts})`,
      remediation: report.safe
        ? 'Turn requireProviderTokens on (and set FEDTRUST_REQUIRE_PROVIDER_TOKENS=true for doctor); the audit found nothing it would strand.'
        : 'Clear every blocker (`fedtrust tokens preflip-audit` lists them) before turning requireProviderTokens on.',
      findings,
      details,
    });
  }
  return result('tokens', {
    summary: report.safe
      ? `requireProviderTokens is on; no blockers (${counts})`
      : `requireProviderTokens is on but ${report.blockers.length} provider(s) would be stranded (${counts})`,
    remediation:
      'Have each listed provider reconnect with its bearer token, or revoke stale tokens with `fedtrust tokens revoke`; tokenless providers are refused while the flag is on.',
    findings,
    details,
  });
};

/**
 * `doctor --check sealing`: a current key is loaded and every sealed record opens with the
 * keys held; records still under an older key are counted.
 *
 * @module @fedtrust/cli
 */
import { isFedtrustError, openRecord } from '@fedtrust/core';
import { type Check, type Finding, result } from '../types.js';

export const sealingCheck: Check = async (rt) => {
  const { sealer, keyIds, source } = rt.sealer();
  const { store } = await rt.store('inspect');
  const records = await store.listSealed();
  const findings: Finding[] = [];
  const failedCodes = new Set<string>();
  const underOldKeys = new Map<string, number>();
  for (const record of records) {
    let keyId = record.keyId;
    try {
      keyId = sealer.keyIdOf(record.envelope);
      const plaintext = await openRecord(sealer, record);
      plaintext.fill(0);
      if (keyId !== sealer.currentKeyId) underOldKeys.set(keyId, (underOldKeys.get(keyId) ?? 0) + 1);
    } catch (error) {
      const code = isFedtrustError(error) ? error.code : 'seal_open_failed';
      failedCodes.add(code);
      findings.push({ status: 'fail', subject: record.id, message: `does not open (${code}, key ${keyId})` });
    }
  }
  const failed = findings.length;
  const old = [...underOldKeys.values()].reduce((a, b) => a + b, 0);
  for (const [keyId, count] of underOldKeys) {
    findings.push({
      status: 'warn',
      subject: `key ${keyId}`,
      message: `${count} record(s) still sealed under this older key`,
    });
  }
  const summary =
    failed > 0
      ? `${failed} of ${records.length} sealed record(s) do not open with the keys held (${keyIds.join(', ')})`
      : `current key ${sealer.currentKeyId} loaded (${keyIds.length} key(s) from ${source}); all ${records.length} sealed record(s) open, ${old} under an older key`;
  const remediation = failedCodes.has('seal_key_unknown')
    ? 'Add the missing key id(s) back to FEDTRUST_SEAL_KEYS (after the current key); keep retired keys until every record is re-sealed with resealAll.'
    : failed > 0
      ? 'An envelope was altered or truncated: restore the listed records from a backup, or seal those secrets again.'
      : 'Re-seal the records under the current key (resealAll from @fedtrust/core), then drop the old key.';
  return result('sealing', {
    summary,
    remediation,
    findings,
    details: {
      currentKeyId: sealer.currentKeyId,
      keyIds,
      records: records.length,
      failed,
      underOldKeys: Object.fromEntries(underOldKeys),
    },
  });
};

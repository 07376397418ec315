/**
 * `doctor --check audit`: every audit chain verifies from its first record.
 *
 * @module @fedtrust/cli
 */
import { type ChainReport, describeChain, verifyOneChain } from '../../commands/audit.js';
import { type Check, result } from '../types.js';

export const auditCheck: Check = async (rt) => {
  const { store } = await rt.store('inspect');
  const chains: ChainReport[] = [];
  for (const chainId of await store.listAuditChains()) chains.push(await verifyOneChain(store, chainId));
  const broken = chains.filter((c) => !c.ok);
  const records = chains.reduce((n, c) => n + c.length, 0);
  return result('audit', {
    summary:
      broken.length === 0
        ? `${chains.length} chain(s), ${records} record(s), every link verifies`
        : broken.map(describeChain).join('; '),
    remediation:
      'The audit log was altered at the position shown: keep the database for forensics, restore it from a backup taken before that record, and review who has write access to the store.',
    findings: chains.map((c) => ({
      status: c.ok ? 'pass' : 'fail',
      subject: `chain ${c.chainId}`,
      message: describeChain(c),
    })),
    details: { chains },
  });
};

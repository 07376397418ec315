import { runCaConformance } from '@fedtrust/core/testing';
import { stepCa } from './step-ca.js';
import { startStepCa } from './testing/start-step-ca.js';

runCaConformance({
  name: 'step-ca',
  makeCa: async () => {
    const running = await startStepCa();
    const ca = stepCa({ url: running.url, root: running.rootPem, provisioner: running.provisioner });
    return {
      ca,
      rootPem: running.rootPem,
      cleanup: async () => {
        await ca.close();
        await running.stop();
      },
    };
  },
  // startStepCa configures the provisioner with minTLSCertDuration 5m and maxTLSCertDuration 24h.
  capabilities: { lifetime: { minSeconds: 300, maxSeconds: 86_400 } },
});

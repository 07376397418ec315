import { runCaConformance } from '@fedtrust/core/testing';
import { beforeAll } from 'vitest';
import { stepCa } from './step-ca.js';
import { provisionStepCa, STEP_CA_BUILD_TIMEOUT_MS, startStepCa } from './testing/start-step-ca.js';

// The first run compiles step-ca; keep that out of the CA start's hook timeout.
beforeAll(async () => {
  await provisionStepCa();
}, STEP_CA_BUILD_TIMEOUT_MS);

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

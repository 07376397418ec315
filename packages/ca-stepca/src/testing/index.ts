/**
 * `@fedtrust/ca-stepca/testing`: a real, throwaway step-ca for test suites.
 *
 * @module @fedtrust/ca-stepca/testing
 */
export {
  type GeneratedProvisioner,
  generatePki,
  generateProvisioner,
  type ProvisionerFault,
  type TestPki,
} from './generate-pki.js';
export {
  provisionStepCa,
  type RunningStepCa,
  STEP_CA_BUILD_TIMEOUT_MS,
  type StartStepCaOptions,
  startStepCa,
  type TestProvisionerSpec,
} from './start-step-ca.js';

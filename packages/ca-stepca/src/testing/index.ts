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
  type RunningStepCa,
  type StartStepCaOptions,
  startStepCa,
  type TestProvisionerSpec,
} from './start-step-ca.js';

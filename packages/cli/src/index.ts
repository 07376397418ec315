/**
 * `@fedtrust/cli`: the operator CLI (`fedtrust`), also callable in-process with `runCli`.
 * It composes the storage and CA adapters; it implements no rule and no storage itself.
 *
 * @module @fedtrust/cli
 */
export { DEFAULT_HOST_FILE, type HostFile, type RbacRule } from './compose/host-file.js';
export {
  type MigrationDriftEntry,
  type MigrationEntry,
  type MigrationReport,
  parseStoreUrl,
  type StoreLocation,
} from './compose/open-store.js';
export { ENVIRONMENT } from './compose/runtime.js';
export type { DoctorReport } from './doctor/run-doctor.js';
export {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  type CheckStatus,
  type Finding,
} from './doctor/types.js';
export { type CliIo, processIo } from './io.js';
export { EXIT, type ExitCode, UsageError } from './output/exit-codes.js';
export { renderCliReference } from './reference/render-cli-reference.js';
export { runCli } from './run-cli.js';

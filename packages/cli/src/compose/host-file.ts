/**
 * The host file (`--resources`, default `./fedtrust.resources.json`): what the CLI needs to
 * know about the embedding gateway to validate scopes and to explain decisions.
 *
 * ```json
 * {
 *   "resources": { "documents": {}, "hr_records": { "sensitive": true } },
 *   "tenants": { "acme": ["3f6c…-uuid"] },
 *   "rbac": [{ "subject": "3f6c…-uuid", "verbs": ["list", "get"], "resources": ["documents"] }]
 * }
 * ```
 *
 * `resources` is the gateway's catalogue (the same object it passes to `defineResources`).
 * `tenants`, when present, is the directory `grant create` checks the subject against.
 * `rbac`, when present, is the host RBAC `explain` applies as the subject user; `"*"`
 * matches anything.
 *
 * @module @fedtrust/cli
 */
import {
  defineResources,
  type HostAuthorizer,
  type HostDirectory,
  isFedtrustError,
  type ResourceCatalogue,
  type ResourceDefinition,
  VERBS,
} from '@fedtrust/core';
import { UsageError } from '../output/exit-codes.js';
import { readJsonFile, resolvePath } from './read-file.js';

/** Where the host file is looked for when neither `--resources` nor `FEDTRUST_RESOURCES` is set. */
export const DEFAULT_HOST_FILE = 'fedtrust.resources.json';

/** One host RBAC rule: the subject may run these verbs on these resources. */
export interface RbacRule {
  subject: string;
  verbs: string[] | '*';
  resources: string[] | '*';
}

/** The parsed host file. */
export interface HostFile {
  path: string;
  catalogue: ResourceCatalogue;
  /** `null` when the file has no `tenants`: tenant membership is then not checked. */
  tenants: Record<string, string[]> | null;
  /** `null` when the file has no `rbac`: explain then assumes the host allows. */
  rbac: RbacRule[] | null;
}

const REMEDIATION =
  'Give --resources a JSON file like {"resources": {"documents": {}}} (optional "tenants" and "rbac"; see docs/operators.md).';

/** Reads and validates the host file; every problem is a `UsageError` (`host_file_invalid`) naming the field. */
export function loadHostFile(path: string, cwd: string): HostFile {
  const absolute = resolvePath(path, cwd);
  const raw = readJsonFile(absolute, cwd, '--resources');
  const invalid = (message: string) =>
    new UsageError('host_file_invalid', `${absolute}: ${message}`, REMEDIATION);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('expected a JSON object.');
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!['resources', 'tenants', 'rbac'].includes(key)) throw invalid(`unknown field "${key}".`);
  }
  let catalogue: ResourceCatalogue;
  try {
    catalogue = defineResources(doc['resources'] as Record<string, ResourceDefinition>);
  } catch (error) {
    if (isFedtrustError(error)) throw invalid(`resources: ${error.message}`);
    throw error;
  }
  return {
    path: absolute,
    catalogue,
    tenants: readTenants(doc['tenants'], invalid),
    rbac: readRbac(doc['rbac'], invalid),
  };
}

function readTenants(value: unknown, invalid: (m: string) => UsageError): Record<string, string[]> | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('"tenants" must map tenant ids to arrays of user ids.');
  }
  // No prototype: a tenant named `__proto__` is a tenant, not a prototype assignment.
  const tenants: Record<string, string[]> = Object.create(null);
  for (const [tenant, users] of Object.entries(value)) {
    if (!Array.isArray(users) || !users.every((u) => typeof u === 'string')) {
      throw invalid(`tenants.${tenant} must be an array of user ids.`);
    }
    tenants[tenant] = users as string[];
  }
  return tenants;
}

function readRbac(value: unknown, invalid: (m: string) => UsageError): RbacRule[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw invalid('"rbac" must be an array of rules.');
  return value.map((rule, index): RbacRule => {
    const r = rule as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null) throw invalid(`rbac[${index}] must be an object.`);
    const list = (field: string): string[] | '*' => {
      const v = r[field];
      if (v === '*') return '*';
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      throw invalid(`rbac[${index}].${field} must be "*" or an array of strings.`);
    };
    if (typeof r['subject'] !== 'string') throw invalid(`rbac[${index}].subject must be a user id or "*".`);
    const verbs = list('verbs');
    if (verbs !== '*') {
      const unknown = verbs.find((v) => !(VERBS as readonly string[]).includes(v));
      if (unknown !== undefined) throw invalid(`rbac[${index}].verbs names unknown verb "${unknown}".`);
    }
    return { subject: r['subject'], verbs, resources: list('resources') };
  });
}

/** The directory `grant create` asks: the host file's tenants, or (without them) every user belongs. */
export function hostDirectory(host: HostFile): HostDirectory {
  return {
    userBelongsToTenant: async (userId, tenantId) =>
      host.tenants === null ||
      // Own keys only: a tenant id like `constructor` must not reach Object.prototype.
      (Object.hasOwn(host.tenants, tenantId) && (host.tenants[tenantId] ?? []).includes(userId)),
  };
}

/** The host RBAC `explain` applies: the host file's rules, or (without them) allow. */
export function hostAuthorizer(host: HostFile): HostAuthorizer {
  const rules = host.rbac;
  return (request) =>
    rules === null ||
    rules.some(
      (rule) =>
        (rule.subject === '*' || rule.subject === request.subjectUserId) &&
        (rule.verbs === '*' || rule.verbs.includes(request.verb)) &&
        (rule.resources === '*' || rule.resources.includes(request.resource)),
    );
}

/**
 * The zod schema of a grant scope, built from the host's resource catalogue.
 *
 * @module @fedtrust/core/scope
 */
import { z } from 'zod';
import type { ResourceCatalogue } from './define-resources.js';
import type { Scope } from './types.js';

/** Largest `max_rows_per_query` a scope may ask for. */
export const MAX_ROWS_PER_QUERY_LIMIT = 10_000;

/** The data verbs a scope may list under `verbs`; `capabilities` is always allowed and never listed. */
export const DATA_VERBS = ['list', 'get', 'search'] as const;

const schemas = new WeakMap<ResourceCatalogue, z.ZodType<Scope>>();

/**
 * The zod schema that accepts exactly the valid scopes for `catalogue` and fills in
 * defaults (`include_personal: true`), so its output is the complete scope as stored.
 *
 * Rules: `resources` non-empty, unique, in the catalogue; `excluded_resources` unique, in
 * the catalogue, disjoint from `resources`; `filters` keyed by granted resources only;
 * `max_rows_per_query` an integer in 1..10000; `verbs` non-empty and unique when present;
 * each sensitive resource in `resources` also listed in `approved_sensitive`, which may
 * name only sensitive, granted resources. Unknown fields are rejected. Cross-field rules
 * run even when a field has its own problems, so one parse reports every issue.
 * Built once per catalogue and cached.
 */
export function scopeSchema(catalogue: ResourceCatalogue): z.ZodType<Scope> {
  let schema = schemas.get(catalogue);
  if (schema === undefined) {
    schema = buildSchema(catalogue);
    schemas.set(catalogue, schema);
  }
  return schema;
}

function buildSchema(catalogue: ResourceCatalogue): z.ZodType<Scope> {
  const known = catalogue.names.join(', ');
  const resourceName = z.enum(catalogue.names, {
    error: (issue) => `${JSON.stringify(issue.input)} is not in the resource catalogue (${known})`,
  });
  const resourceList = z.array(resourceName, { error: 'expected an array of resource names' });

  const filter = z.strictObject(
    {
      include_teams: uniqueList(z.array(z.string().min(1, 'a team id cannot be empty'))).optional(),
      include_personal: z.boolean({ error: 'expected true or false' }).default(true),
    },
    { error: 'expected an object { include_teams?, include_personal }' },
  );

  const shape = z.strictObject(
    {
      resources: uniqueList(resourceList.min(1, 'grant at least one resource')),
      excluded_resources: uniqueList(resourceList).optional(),
      filters: z
        .unknown()
        .superRefine((raw, ctx) => {
          // zod's record parser skips an own `__proto__` key (JSON.parse creates one); say so
          // instead of silently dropping a filter the author wrote.
          if (isRecord(raw) && Object.hasOwn(raw, '__proto__')) {
            ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'unknown field "__proto__"' });
          }
        })
        .pipe(z.partialRecord(resourceName, filter, { error: 'expected an object keyed by resource' }))
        .optional(),
      max_rows_per_query: z
        .number({ error: 'expected an integer from 1 to 10000' })
        .min(1, 'must be at least 1')
        .max(MAX_ROWS_PER_QUERY_LIMIT, `must be at most ${MAX_ROWS_PER_QUERY_LIMIT}`)
        // A refine rather than .int(): zod's int format aborts the whole object, which would
        // hide the cross-field issues this schema promises to report in the same parse.
        .refine(Number.isInteger, 'must be a whole number'),
      verbs: uniqueList(
        z
          .array(
            z.enum(DATA_VERBS, {
              error: (issue) =>
                issue.input === 'capabilities'
                  ? 'capabilities is always allowed; list only list, get or search'
                  : `${JSON.stringify(issue.input)} is not a data verb (list, get, search)`,
            }),
            { error: 'expected an array of verbs' },
          )
          .min(1, 'list at least one verb, or leave verbs out to allow list, get and search'),
      ).optional(),
      approved_sensitive: uniqueList(resourceList).optional(),
    },
    { error: 'expected a scope object' },
  );

  return shape.superRefine(
    (value, ctx) => {
      const scope = value as Partial<Record<keyof Scope, unknown>>;
      const resources = strings(scope.resources);
      const granted = new Set(resources);
      const approved = new Set(strings(scope.approved_sensitive));

      strings(scope.excluded_resources).forEach((name, index) => {
        if (granted.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['excluded_resources', index],
            message: `${JSON.stringify(name)} is both granted and excluded`,
          });
        }
      });

      if (isRecord(scope.filters)) {
        for (const key of Object.keys(scope.filters)) {
          if (catalogue.has(key) && !granted.has(key)) {
            ctx.addIssue({
              code: 'custom',
              path: ['filters', key],
              message: `a filter for ${JSON.stringify(key)}, which is not in resources`,
            });
          }
        }
      }

      resources.forEach((name, index) => {
        if (catalogue.isSensitive(name) && !approved.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['resources', index],
            message: `${JSON.stringify(name)} is sensitive: it is granted only when approved_sensitive also lists it`,
          });
        }
      });

      strings(scope.approved_sensitive).forEach((name, index) => {
        if (catalogue.has(name) && !catalogue.isSensitive(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['approved_sensitive', index],
            message: `${JSON.stringify(name)} is not a sensitive resource`,
          });
        } else if (catalogue.has(name) && !granted.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['approved_sensitive', index],
            message: `${JSON.stringify(name)} is approved but not in resources`,
          });
        }
      });
    },
    { when: (payload) => isRecord(payload.value) },
  ) as unknown as z.ZodType<Scope>;
}

/** Adds a duplicate check that reports each repeated entry at its own index, even when other entries are invalid. */
function uniqueList<T extends z.ZodArray<z.ZodType<string>>>(schema: T): T {
  return schema.superRefine(
    (value, ctx) => {
      const seen = new Set<unknown>();
      (value as unknown[]).forEach((entry, index) => {
        if (typeof entry !== 'string') return;
        if (seen.has(entry)) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `${JSON.stringify(entry)} is listed twice`,
          });
        }
        seen.add(entry);
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  ) as T;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

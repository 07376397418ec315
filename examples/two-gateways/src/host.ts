/**
 * What a host application brings to fedtrust, in miniature: a resource catalogue, a user
 * directory, its own RBAC, and in-memory resource sources that answer as a given user.
 *
 * @module @fedtrust/example-two-gateways/host
 */
import {
  defineResources,
  type HostAuthorizer,
  type HostDirectory,
  type ResourceFilter,
} from '@fedtrust/core';
import type { LocalSource, ResourceSource, Row } from '@fedtrust/transport-undici';

/** Both gateways run the same application, so they share one catalogue. */
export const catalogue = defineResources({
  tasks: {},
  notes: {},
  payroll: { sensitive: true },
});

/** Work's tenant and the user home reads as. */
export const WORK_TENANT = 'acme-work';
export const ALICE = '5c1d7e0a-2b4f-4c6d-8e9f-0a1b2c3d4e5f';
export const BOB = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

/** Home's tenant and its own user (the person whose gateway home is). */
export const HOME_TENANT = 'acme-home';
export const HOME_USER = '0f1e2d3c-4b5a-4968-8776-655443322110';

/** The scope work grants home: tasks (one team plus alice's own) and notes, never payroll, 5 rows a query. */
export const GRANT_SCOPE = {
  resources: ['tasks', 'notes'],
  excluded_resources: ['payroll'],
  filters: { tasks: { include_teams: ['platform'], include_personal: true } },
  max_rows_per_query: 5,
  verbs: ['list', 'get', 'search'],
};

/** A task row: `team` null means a personal row of `owner`. */
export interface TaskRow extends Row {
  id: string;
  title: string;
  team: string | null;
  owner: string;
}

const TEAMS = ['platform', 'sales', null] as const;

/** 24 tasks over two teams and personal rows of alice and bob: many more than the row cap. */
export function workTasks(): TaskRow[] {
  return Array.from({ length: 24 }, (_, i) => ({
    id: `task-${String(i + 1).padStart(2, '0')}`,
    title: `work task ${i + 1}`,
    team: TEAMS[i % 3] ?? null,
    owner: i % 2 === 0 ? ALICE : BOB,
  }));
}

export function workNotes(): Row[] {
  return Array.from({ length: 8 }, (_, i) => ({
    id: `note-${i + 1}`,
    text: `work note ${i + 1}`,
    owner: ALICE,
  }));
}

export function workPayroll(): Row[] {
  return [{ id: 'pay-1', employee: ALICE, amount: 1 }];
}

export function homeTasks(): TaskRow[] {
  return Array.from({ length: 3 }, (_, i) => ({
    id: `home-task-${i + 1}`,
    title: `home task ${i + 1}`,
    team: null,
    owner: HOME_USER,
  }));
}

/** Whether `user` may see `row` under the scope's filter, as the host's own rules say. */
export function visibleTo(row: Row, user: string, filter: ResourceFilter | null): boolean {
  const team = row['team'] as string | null | undefined;
  const owner = row['owner'];
  if (team === null || team === undefined) return owner === user && (filter?.include_personal ?? true);
  return filter?.include_teams === undefined || filter.include_teams.includes(team);
}

/**
 * A source over fixed rows that answers as the subject user. It returns one row more than
 * `limit`, as a paging query would, so the server can tell the answer was cut (`truncated`).
 */
export function memorySource(rows: readonly Row[]): ResourceSource {
  return {
    list: (filter, limit, ctx) =>
      rows.filter((r) => visibleTo(r, ctx.subjectUserId, filter)).slice(0, limit + 1),
    get: (id, filter, ctx) =>
      rows.find((r) => r['id'] === id && visibleTo(r, ctx.subjectUserId, filter)) ?? null,
    search: (query, filter, limit, ctx) =>
      rows
        .filter((r) => visibleTo(r, ctx.subjectUserId, filter) && JSON.stringify(r).includes(query))
        .slice(0, limit + 1),
  };
}

/** Home's own rows for the fan-out, read as home's user. */
export function localSource(name: string, rows: readonly Row[]): LocalSource {
  return {
    name,
    query: ({ verb, resource, id, limit }) => {
      if (resource !== 'tasks') return [];
      const mine = rows.filter((r) => visibleTo(r, HOME_USER, null));
      if (verb === 'get') return mine.filter((r) => r['id'] === id);
      return limit === undefined ? mine : mine.slice(0, limit);
    },
  };
}

/** Which users exist in which tenant. */
export function directory(members: Record<string, readonly string[]>): HostDirectory {
  return {
    userBelongsToTenant: async (userId, tenantId) => members[tenantId]?.includes(userId) ?? false,
  };
}

/** The host's RBAC: per user, the resources they may read. Anything unlisted is denied. */
export function rbac(readable: Record<string, readonly string[]>): HostAuthorizer {
  return ({ subjectUserId, resource }) => readable[subjectUserId]?.includes(resource) ?? false;
}

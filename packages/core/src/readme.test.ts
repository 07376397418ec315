import { readFileSync } from 'node:fs';
import {
  admitProvider,
  compileScope,
  DENY_STATUS,
  defineResources,
  evaluate,
  parseScope,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { memoryStore } from '@fedtrust/core/testing';
import { describe, expect, it } from 'vitest';

// The README's examples are repeated here between `example:` markers. The code runs with
// assertions below, and the text is compared with the README's code blocks, so the README
// cannot drift from code that runs.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const self = readFileSync(new URL(import.meta.url), 'utf8');

/** Whitespace-insensitive, trailing-comma-insensitive form (the formatter may reflow this file). */
const normalise = (code: string) => code.replace(/\s+/g, '').replace(/,([}\])])/g, '$1');

function readmeBlocks(): string[] {
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

function markedRegion(name: string): string {
  const match = new RegExp(`// example:${name}:start\\n([\\s\\S]*?)\\n\\s*// example:${name}:end`).exec(self);
  if (match === null) throw new Error(`no example region ${name} in readme.test.ts`);
  return match[1] as string;
}

/** `const x = …;` followed by `// → <literal>`: the values the README promises, by variable. */
function promisedValues(block: string): Map<string, string> {
  const promised = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split('\n')) {
    const declared = /^const (\w+) = /.exec(line);
    if (declared !== null) last = declared[1];
    const promise = /^\/\/ → (.+?)( \(.*\))?$/.exec(line);
    if (promise !== null && last !== undefined) promised.set(last, promise[1] as string);
  }
  return promised;
}

function expectSameExample(blockIndex: number, region: string): void {
  const block = readmeBlocks()[blockIndex];
  expect(block, `README code block ${blockIndex}`).toBeDefined();
  const lines = (block as string).split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import ')).join('\n');
  expect(normalise(body)).toBe(normalise(markedRegion(region)));
  for (const line of imports) {
    const [, names, from] = /^import \{ (.+) \} from '(.+)';$/.exec(line) ?? [];
    expect(from, `an import of the form import { … } from '…': ${line}`).toBeDefined();
    const ours = new RegExp(`import \\{([^}]*)\\} from '${from}';`).exec(self)?.[1] ?? '';
    for (const name of (names as string).split(', ')) {
      expect(
        ours.split(',').map((n) => n.trim()),
        `${name} imported from ${from}`,
      ).toContain(name);
    }
  }
}

describe('README happy path', () => {
  it('the scope example decides as the README says', () => {
    // example:scope:start
    const catalogue = defineResources({ tasks: {}, notes: {}, credentials: { sensitive: true } });
    const scope = {
      resources: ['tasks', 'notes'],
      excluded_resources: ['credentials'],
      max_rows_per_query: 50,
    };
    const compiled = compileScope(parseScope(scope, catalogue));
    const tasks = evaluate(compiled, { verb: 'list', resource: 'tasks' });
    // → { allow: true, rowCap: 50, filter: null }
    const secrets = evaluate(compiled, { verb: 'get', resource: 'credentials' });
    // → { allow: false, reason: 'resource_excluded' }
    // example:scope:end

    expect(tasks).toEqual({ allow: true, rowCap: 50, filter: null });
    expect(secrets).toEqual({ allow: false, reason: 'resource_excluded' });
    expect(evaluate(compiled, { verb: 'list', resource: 'credentials' })).toEqual(secrets);
    expectSameExample(0, 'scope');
    const promised = promisedValues(readmeBlocks()[0] as string);
    expect([...promised.keys()]).toEqual(['tasks', 'secrets']);
    expect(tasks).toEqual(new Function(`return (${promised.get('tasks')})`)());
    expect(secrets).toEqual(new Function(`return (${promised.get('secrets')})`)());
  });

  it('the admission example mints, proves the bearer, then refuses a tokenless duplicate', async () => {
    // example:admission:start
    const deps = {
      store: memoryStore(),
      requireProviderTokens: false,
      clock: systemClock,
      random: systemRandom,
    };
    const first = await admitProvider({ providerId: 'gpu-1' }, deps);
    // → { admit: true, authState: 'self_minted', event: 'minted', token: 'ftp_…' } (the token is shown once)
    const proved = await admitProvider(
      { providerId: 'gpu-1', bearer: first.admit ? first.token : null },
      deps,
    );
    // → { admit: true, authState: 'bearer_validated', event: 'bearer_ok' }
    const impostor = await admitProvider({ providerId: 'gpu-1' }, deps);
    // → { admit: false, reject: { code: 'tofu_reject' }, event: 'tofu_reject' }
    // example:admission:end

    expect(first).toMatchObject({ admit: true, authState: 'self_minted', event: 'minted' });
    expect(first.admit && first.token).toMatch(/^ftp_[A-Za-z0-9_-]{43}$/);
    expect(proved).toMatchObject({ admit: true, authState: 'bearer_validated', event: 'bearer_ok' });
    expect(proved.admit && proved.token).toBeUndefined();
    expect(impostor).toEqual({ admit: false, reject: { code: 'tofu_reject' }, event: 'tofu_reject' });
    expectSameExample(1, 'admission');
    const promised = promisedValues(readmeBlocks()[1] as string);
    expect([...promised.keys()]).toEqual(['first', 'proved', 'impostor']);
    const withoutToken = (promise: string) => promise.replace(/, token: '[^']*'/, '');
    expect(first).toMatchObject(new Function(`return (${withoutToken(promised.get('first') as string)})`)());
    expect(proved).toMatchObject(new Function(`return (${promised.get('proved')})`)());
    expect(impostor).toEqual(new Function(`return (${promised.get('impostor')})`)());
  });
});

describe('README reference tables', () => {
  it('the deny-reason table lists every DenyReason, in order, with its status', () => {
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(DENY_STATUS));
  });
});

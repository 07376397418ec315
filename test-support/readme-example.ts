/**
 * Keeps a package README's first example and the test that runs it the same code. The
 * README's first fenced block, imports aside, must equal the region of the test file between
 * `// example:start` and `// example:end` (whitespace and trailing commas aside, so the
 * formatter may reflow either), and every binding the README imports must be imported by the
 * test from the same module. Test-only; not part of any package.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface ReadmeBlock {
  /** The fence's info string (`ts`, `sh`). */
  lang: string;
  code: string;
}

/** The first fenced code block of the README at `readme`. */
export function firstExample(readme: URL): ReadmeBlock {
  const match = /^```(\w*)\n([\s\S]*?)^```$/m.exec(readFileSync(readme, 'utf8'));
  if (match === null) throw new Error(`${readme.pathname} has no fenced code block`);
  return { lang: match[1] as string, code: match[2] as string };
}

/** `module → bindings` of every `import … from '…'` statement in `code`. */
function importedBindings(code: string): Map<string, Set<string>> {
  const bindings = new Map<string, Set<string>>();
  for (const [, clause, from] of code.matchAll(/^import\s+(?:type\s+)?([^'"]*?)\s+from\s+'([^']+)';/gm)) {
    const names = bindings.get(from as string) ?? new Set<string>();
    const [defaultName, braced] = (clause as string).split(/\{([^}]*)\}/);
    const local = defaultName?.replace(/,\s*$/, '').trim();
    if (local) names.add(local.replace(/^\*\s+as\s+/, '* as '));
    for (const name of (braced ?? '').split(',')) {
      const bare = name.replace(/^\s*type\s+/, '').trim();
      if (bare !== '') names.add(bare.split(/\s+as\s+/).pop() as string);
    }
    bindings.set(from as string, names);
  }
  return bindings;
}

const squash = (code: string) => code.replace(/\s+/g, '').replace(/,([}\])])/g, '$1');

/**
 * Asserts that the README's first example is the code the test at `testFile` runs between
 * its `// example:start` and `// example:end` markers, with the same imports.
 */
export function expectReadmeExample(readme: URL, testFile: URL): void {
  const { code } = firstExample(readme);
  const self = readFileSync(testFile, 'utf8');
  const region = /\/\/ example:start\n([\s\S]*?)\n\s*\/\/ example:end/.exec(self)?.[1];
  expect(region, 'the test marks the example with // example:start and // example:end').toBeDefined();
  const body = code
    .split('\n')
    .filter((line) => !/^import\s/.test(line))
    .join('\n');
  expect(squash(region as string), 'the README example and the test run the same code').toBe(squash(body));
  const ours = importedBindings(self);
  for (const [from, names] of importedBindings(code)) {
    for (const name of names) {
      expect(
        [...(ours.get(from) ?? [])],
        `the test imports ${name} from '${from}' as the README does`,
      ).toContain(name);
    }
  }
}

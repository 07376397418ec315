/**
 * docs/cli.md is generated from the commander definitions; this fails when it is stale.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../src/reference/render-cli-reference.js';

const DOC = new URL('../../../docs/cli.md', import.meta.url);

describe('docs/cli.md', () => {
  it('equals the reference rendered from the command definitions (run `npm run docs:cli -w packages/cli` after changing a command)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderCliReference());
  });

  it('documents every command, its flags and its --json shape', () => {
    const doc = renderCliReference();
    for (const command of [
      'grant create',
      'grant list',
      'grant show',
      'grant revoke',
      'peer list',
      'peer suspend',
      'peer resume',
      'peer revoke',
      'enroll-token issue',
      'tokens list',
      'tokens revoke',
      'tokens preflip-audit',
      'audit verify',
      'audit tail',
      'migrate',
      'migrate status',
      'explain',
      'doctor',
    ]) {
      expect(doc).toContain(`### \`fedtrust ${command}\``);
    }
    expect(doc.match(/`--json`: `\{/g)).toHaveLength(18);
    for (const flag of [
      '--store <url>',
      '--ca-root <file>',
      '--check <names>',
      '--clock-offset <seconds>',
      '--cert <file>',
    ]) {
      expect(doc).toContain(`\`${flag}\``);
    }
    expect(doc).toContain('FEDTRUST_CLOCK_OFFSET_SECONDS');
  });
});

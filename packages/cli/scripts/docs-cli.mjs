// Writes docs/cli.md from the built CLI's own commander definitions (`npm run docs:cli`).
import { writeFileSync } from 'node:fs';
import { renderCliReference } from '../dist/index.js';

const target = new URL('../../../docs/cli.md', import.meta.url);
writeFileSync(target, renderCliReference());
console.log(`wrote ${target.pathname}`);

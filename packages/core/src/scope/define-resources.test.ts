import { describe, expect, it } from 'vitest';
import { FedtrustError } from '../errors/fedtrust-error.js';
import { defineResources } from './define-resources.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof FedtrustError ? error.code : 'not a FedtrustError';
  }
  return undefined;
}

describe('defineResources', () => {
  it('keeps the declared names in order and knows which are sensitive', () => {
    const catalogue = defineResources({ tasks: {}, notes: {}, credentials: { sensitive: true } });
    expect(catalogue.names).toEqual(['tasks', 'notes', 'credentials']);
    expect(catalogue.has('notes')).toBe(true);
    expect(catalogue.has('payroll')).toBe(false);
    expect(catalogue.isSensitive('credentials')).toBe(true);
    expect(catalogue.isSensitive('tasks')).toBe(false);
    expect(Object.isFrozen(catalogue)).toBe(true);
  });

  it.each([
    ['an empty catalogue', {}],
    ['a name with a slash', { 'a/b': {} }],
    ['a __proto__-style name', JSON.parse('{"__proto__":{}}')],
    ['a name longer than 64 characters', { ['x'.repeat(65)]: {} }],
    ['a definition that is not an object', { tasks: true }],
    ['a non-boolean sensitive flag', { tasks: { sensitive: 'yes' } }],
  ])('refuses %s with resource_catalogue_invalid', (_name, input) => {
    expect(codeOf(() => defineResources(input as never))).toBe('resource_catalogue_invalid');
  });
});

import { describe, expect, it } from 'vitest';
import { poetryToPep440 } from '../../src/manifests/poetry-constraint.js';

// Expected values from Poetry's documentation ("Dependency specification": caret, tilde, wildcard).
describe('poetryToPep440', () => {
  it.each([
    ['^1.2.3', '>=1.2.3,<2.0'],
    ['^1.2', '>=1.2,<2.0'],
    ['^1', '>=1,<2'],
    ['^0.2.3', '>=0.2.3,<0.3'],
    ['^0.0.3', '>=0.0.3,<0.0.4'],
    ['^0.0', '>=0.0,<0.1'],
    ['^0', '>=0,<1'],
    ['~1.2.3', '>=1.2.3,<1.3.0'],
    ['~1.2', '>=1.2,<1.3'],
    ['~1', '>=1,<2'],
    ['*', ''],
    ['1.2.3', '==1.2.3'],
    ['1.2.*', '==1.2.*'],
    ['>= 1.2, < 2.0', '>=1.2,<2.0'],
    ['>=1.2 <2', '>=1.2,<2'],
    ['~=2.2', '~=2.2'],
    ['!=1.5', '!=1.5'],
  ])('%s → %s', (input, expected) => {
    expect(poetryToPep440(input)).toEqual({ ok: true, specifier: expected });
  });

  it('refuses unions, which PEP 440 cannot say', () => {
    expect(poetryToPep440('^1.2 || ^2.0').ok).toBe(false);
  });

  it('refuses garbage', () => {
    expect(poetryToPep440('latest').ok).toBe(false);
  });
});

/**
 * `--only-binary` / `--no-binary` exactly as pip combines them: every case of
 * fixtures/format-control/format-control.json was answered by pip's own FormatControl (the command
 * that made it is in the file).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedFormats, formatControlFrom, type FormatOption } from '../../src/resolve/format-control.js';
import { REPO_ROOT } from '../support/shared.js';

interface Case {
  options: FormatOption[];
  allowed: Record<string, string[]>;
}

const table = JSON.parse(readFileSync(resolve(REPO_ROOT, 'fixtures/format-control/format-control.json'), 'utf8')) as { generatedBy: string; cases: Case[] };

const asPip = (formats: { binary: boolean; source: boolean }): string[] => [...(formats.binary ? ['binary'] : []), ...(formats.source ? ['source'] : [])];

describe('format control agrees with pip', () => {
  it(`answers all ${table.cases.length} recorded sequences as pip does (${table.generatedBy})`, () => {
    expect(table.cases.length).toBeGreaterThan(1000);
    const mismatches: string[] = [];
    for (const c of table.cases) {
      const control = formatControlFrom(c.options);
      for (const [name, expected] of Object.entries(c.allowed)) {
        const ours = asPip(allowedFormats(control, name));
        if (ours.join() !== expected.join()) mismatches.push(`${c.options.map((o) => `--${o.option} ${o.value}`).join(' ')} | ${name}: pip ${expected.join('+')}, ours ${ours.join('+')}`);
      }
    }
    expect(mismatches.slice(0, 20), `${mismatches.length} mismatches`).toEqual([]);
  });

  it('names a package in one set to take it out of the other', () => {
    const control = formatControlFrom([{ option: 'no-binary', value: ':all:' }, { option: 'only-binary', value: 'Foo_Bar' }]);
    expect(allowedFormats(control, 'foo-bar')).toEqual({ binary: true, source: false });
    expect(allowedFormats(control, 'other')).toEqual({ binary: false, source: true });
  });
});

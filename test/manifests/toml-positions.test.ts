import { describe, expect, it } from 'vitest';
import { TomlPositions } from '../../src/manifests/toml-positions.js';

const doc = [
  '# comment with "quotes" and [brackets]', // 1
  '[project]', // 2
  "name = 'x' # trailing", // 3
  'dependencies = [', // 4
  '  """multi', // 5
  'line""",', // 6
  '  "b",  # [not a table]', // 7
  ']', // 8
  '"quoted.key" = { a = "1", b = ["2", "3"] }', // 9
  '[[package]]', // 10
  'name = "p0"', // 11
  '[[package]]', // 12
  'name = "p1"', // 13
  '[package.meta]', // 14
  'k = 2024-01-01T00:00:00Z', // 15
  '[[package.wheels]]', // 16
  'url = "w"', // 17
].join('\n');

describe('TomlPositions', () => {
  const p = new TomlPositions(doc, 'f.toml');

  it('finds strings inside multi-line arrays, skipping comments and multi-line strings', () => {
    expect(p.value(['project', 'dependencies', 0])).toMatchObject({ line: 5, column: 6, endLine: 6, endColumn: 5 });
    expect(p.value(['project', 'dependencies', 1])).toMatchObject({ line: 7, column: 4, endColumn: 5 });
    expect(p.value(['project', 'name'])).toMatchObject({ line: 3, column: 9 });
  });

  it('handles quoted keys and inline tables', () => {
    expect(p.value(['project', 'quoted.key', 'b', 1])).toMatchObject({ line: 9, column: 38 });
    expect(p.key(['project', 'quoted.key'])).toMatchObject({ line: 9, column: 1 });
  });

  it('numbers arrays of tables and resolves sub-tables to the last element', () => {
    expect(p.value(['package', 0, 'name']).line).toBe(11);
    expect(p.value(['package', 1, 'name']).line).toBe(13);
    expect(p.value(['package', 1, 'meta', 'k'])).toMatchObject({ line: 15, column: 5, endColumn: 25 });
    expect(p.value(['package', 1, 'wheels', 0, 'url']).line).toBe(17);
  });

  it('falls back to the nearest known ancestor', () => {
    expect(p.value(['project', 'dependencies', 9]).line).toBe(4);
  });
});

/**
 * The Markdown report (issue 13): a pull-request comment. First the bundled demo, scanned for real
 * against the local index; then hand-made results: packages not checked, several targets, the size
 * cap on 5,000 packages, and hostile names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bottomLine } from '../../src/report/bottom-line.js';
import type { RenderContext } from '../../src/report/index.js';
import { escapeInline } from '../../src/report/markdown-escape.js';
import { MARKDOWN_LIMIT, MAX_TARGET_COLUMNS, renderMarkdown } from '../../src/report/markdown.js';
import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';
import { scanDemo } from '../support/demo.js';
import { broken, finding, PP73, PP80, result } from '../support/results.js';

const CONTEXT: RenderContext = { color: false, verbose: false, width: 100 };


// ---------------------------------------------------------------- reading the output back

/** `|` that separate cells: not escaped by an odd run of backslashes. */
function cellSeparators(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== '|') continue;
    let slashes = 0;
    for (let j = i - 1; j >= 0 && line[j] === '\\'; j--) slashes++;
    if (slashes % 2 === 0) count++;
  }
  return count;
}

/** Each table: its lines (a run of lines that start with `|`), and what follows must not be a torn row. */
function tables(markdown: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

/** The cells of a table row, split at unescaped `|`. */
function cells(row: string): string[] {
  const parts: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!;
    if (c === '|' && cellSeparators(row.slice(0, i + 1)) > cellSeparators(row.slice(0, i))) {
      parts.push(cell);
      cell = '';
    } else cell += c;
  }
  parts.push(cell);
  return parts.slice(1, -1).map((s) => s.trim());
}

function expectWellFormedTables(markdown: string): string[][] {
  const found = tables(markdown);
  for (const table of found) {
    const widths = table.map(cellSeparators);
    expect(new Set(widths).size, `rows of differing width:\n${table.join('\n')}`).toBe(1);
    expect(table[1]).toMatch(/^\|( --- \|)+$/);
    for (const row of table) expect(row.endsWith('|')).toBe(true);
  }
  return found;
}

/** `<details>` opened and closed as often as each other, never nested deeper than one. */
function expectBalancedDetails(markdown: string): void {
  let depth = 0;
  for (const match of markdown.matchAll(/<(\/?)details>/g)) {
    depth += match[1] ? -1 : 1;
    expect(depth === 0 || depth === 1).toBe(true);
  }
  expect(depth).toBe(0);
  expect((markdown.match(/<summary>/g) ?? []).length).toBe((markdown.match(/<\/summary>/g) ?? []).length);
}

describe('the checks on the output', () => {
  it('catch a torn table, a stray tag and an unbalanced <details>', () => {
    expect(cellSeparators('| a\\|b | c |')).toBe(3);
    expect(cellSeparators('| a\\\\|b | c |')).toBe(4);
    expect(cells('| a\\|b | c |')).toEqual(['a\\|b', 'c']);
    expect(() => expectWellFormedTables('| a | b |\n| --- | --- |\n| x|y | z |\n')).toThrow();
    expect(() => expectWellFormedTables('| a | b |\n| --- | --- |\n| x \nbroken | z |\n')).toThrow();
    expect(() => expectBalancedDetails('<details><summary>x</summary>\n</details></details>')).toThrow();
    expect(() => expectBalancedDetails('<details><summary>x</summary>\n')).toThrow();
  });
});

// ---------------------------------------------------------------- the demo, for real

describe('the Markdown report of the bundled Django demo (scanned against the local index)', () => {
  let demo: ScanResult;
  let markdown: string;
  beforeAll(async () => {
    demo = await scanDemo(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
    markdown = renderMarkdown(demo, CONTEXT);
  }, 60_000);

  it('starts with a heading, then the bottom line of each target', () => {
    expect(markdown.startsWith('## PyPy readiness\n')).toBe(true);
    const sentences = bottomLine(demo).map((s) => s.sentence);
    expect(sentences).toHaveLength(3);
    for (const sentence of sentences) expect(markdown).toContain(escapeInline(sentence));
    // Escaped, the sentences still read the same: only punctuation gains a backslash.
    expect(markdown).toContain('- ❌ PyPy 3.11 \\(7.3\\): 2 blockers \\(orjson: only an optional import; psycopg2-binary: imported by the web tier only\\)');
    expect(markdown).toContain('→ move on 7.3 first.');
    expect(markdown).toContain('- ✅ CPython 3.11: nothing blocks.');
  });

  it('has one table with a column per target, the blockers first, with their fix and file:line', () => {
    const [table, ...others] = expectWellFormedTables(markdown);
    expect(others).toEqual([]);
    expect(cells(table![0]!)).toEqual(['Package', 'Version', 'PyPy 3.11 \\(7.3\\)', 'PyPy 3.11 \\(8.0\\)', 'CPython 3.11', 'Fix', 'Where']);
    const rows = table!.slice(2).map(cells);
    expect(rows.map((r) => r[0])).toEqual(['orjson', 'psycopg2-binary', 'cryptography', 'hiredis', 'lxml', 'numpy', 'pillow']);
    const psycopg = rows[1]!;
    expect(psycopg.slice(1, 5)).toEqual(['2.9.11', '❌ known-broken', '❌ known-broken', '✅ native-wheel']);
    expect(psycopg[5]).toMatch(/^Keep ENGINE .* instead of psycopg2-binary/);
    expect(psycopg[6]).toBe('fixtures/demo-django/requirements/base.txt:10');
    expect(rows[0]![5]).toMatch(/^Replace with json/);
    expect(rows[0]![6]).toMatch(/^fixtures\/demo-django\/requirements\/base\.txt:\d+$/);
    // The pp73 → pp80 loss is a warning on 8.0 only.
    expect(rows[4]!.slice(0, 5)).toEqual(['lxml', '6.0.2', 'ℹ️ pypy-wheel', '⚠️ abi-mismatch', '✅ native-wheel']);
  });

  it('puts the evidence per package and the fine packages in collapsible sections', () => {
    expectBalancedDetails(markdown);
    expect(markdown).toContain('<details><summary>psycopg2-binary: blocker</summary>');
    // Where the demo's code imports it, once per package, before the targets.
    expect(markdown).toContain('<details><summary>psycopg2-binary: blocker</summary>\n\nUsed in: web ledger/views.py:3\n\n- **PyPy 3.11 \\(7.3\\)**: ❌ known-broken');
    expect(markdown).toContain('<details><summary>orjson: blocker</summary>\n\nUsed in: other ledger/serialize.py:3 \\(optional\\)\n\n');
    expect(markdown).toMatch(/<details><summary>Fine on every target \(34\)<\/summary>\n\n.*\bdjango 5\.2\.9\b/);
    expect(markdown).not.toMatch(/Shortened|Left out/);
    expect(markdown.length).toBeLessThan(MARKDOWN_LIMIT);
  });
});

// ---------------------------------------------------------------- hand-made results

describe('renderMarkdown', () => {
  it('lists packages it could not check as not checked, never as fine', () => {
    const r = result([PP73], [
      finding('django', PP73),
      finding('private-lib', PP73, { verdict: 'unknown', severity: 'unknown', file: null, version: null, evidence: ['not on the index'] }),
      finding('hidden-deps', PP73, { severity: 'warning', unchecked: ['the metadata file answered HTTP 500'] }),
    ]);
    const markdown = renderMarkdown(r, CONTEXT);
    const [table] = expectWellFormedTables(markdown);
    const rows = table!.slice(2).map(cells);
    expect(rows.map((row) => [row[0], row[2]])).toEqual([
      ['hidden-deps', '⚠️ pure, dependencies not fully checked'],
      ['private-lib', '❓ not checked'],
    ]);
    expect(rows[1]![3]).toBe('check it by hand');
    expect(markdown).toContain('**1 warning, 1 not checked**; 1 package fine on every target.');
    const fine = /<summary>Fine on every target \(\d+\)<\/summary>\n\n(.*)\n/.exec(markdown)![1]!;
    expect(fine).toBe('django 1.0');
    expect(markdown).toContain('not fully checked: the metadata file answered HTTP 500');
  });

  it('shows input problems in their own section, URLs only with --verbose', () => {
    const r = result([PP73], [finding('django', PP73)], {
      errors: [
        { kind: 'manifest', severity: 'error', message: 'requirements.txt:3: cannot parse "django>="', file: 'requirements.txt', line: 3 },
        { kind: 'index', severity: 'warning', message: 'https://mirror.example answered HTTP 503; used the next index', url: 'https://user:secret@mirror.example/simple/' },
      ],
    });
    const markdown = renderMarkdown(r, CONTEXT);
    expect(markdown).toContain('### Problems reading the input (2)\n\n- ❌ manifest: requirements.txt:3: cannot parse "django&gt;=" (requirements.txt:3)\n- ⚠️ index: https://mirror.example answered HTTP 503; used the next index\n');
    expect(markdown).not.toContain('secret');
    const verbose = renderMarkdown(r, { ...CONTEXT, verbose: true });
    expect(verbose).toContain('mirror.example/simple/');
    expect(verbose).not.toContain('secret');
  });

  it('has one column per target up to a few targets, then one "verdicts" column', () => {
    const many: ReportTarget[] = Array.from({ length: MAX_TARGET_COLUMNS + 1 }, (_, i) => ({ ...PP73, id: `t${i}`, interpreter: `pypy3.${i}-7.3` }));
    const findings = many.map((t) => finding('orjson', t, broken()));
    const [table] = expectWellFormedTables(renderMarkdown(result(many, findings), CONTEXT));
    expect(cells(table![0]!)).toEqual(['Package', 'Version', 'Verdicts', 'Fix', 'Where']);
    expect(cells(table![2]!)[2]).toBe(many.map((t) => `PyPy 3.${t.interpreter.slice(6, 7)} \\(7.3\\): ❌ known-broken`).join('<br>'));
  });

  it('names the project in scans of several, and a transitive package by its chain', () => {
    const r = result([PP73, PP80], [
      ...[PP73, PP80].map((t) => finding('orjson', t, broken({ project: 'services/api', via: ['mylib', 'midlib'], locations: [{ file: 'services/api/requirements.txt', line: 4, column: 1 }] }))),
      finding('django', PP73, { project: 'services/worker' }),
    ]);
    // The first table is the line of counts per project (issue 14); the packages' table follows.
    const [perProject, table] = expectWellFormedTables(renderMarkdown(r, CONTEXT));
    expect(cells(perProject![0]!)).toEqual(['Project', 'Packages', 'Blockers', 'Warnings', 'Not checked']);
    expect(cells(table![0]!)[0]).toBe('Project');
    expect(cells(table![2]!)).toEqual(['services/api', 'orjson', '1.0', '❌ known-broken', '❌ known-broken', 'Replace with y', 'services/api/requirements.txt:4 via mylib → midlib']);
  });

  describe('stays under 65,536 characters', () => {
    const evidence = Array.from({ length: 6 }, (_, i) => `fact ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`);
    const big = (blockers: number, fine: number): ScanResult =>
      result([PP73, PP80], [
        ...Array.from({ length: blockers }, (_, i) => [PP73, PP80].map((t) => finding(`blocker-${String(i).padStart(4, '0')}`, t, broken({ evidence, locations: [{ file: 'requirements/base.txt', line: i + 1, column: 1 }] })))).flat(),
        ...Array.from({ length: fine }, (_, i) => [PP73, PP80].map((t) => finding(`fine-${String(i).padStart(4, '0')}`, t))).flat(),
      ]);

    it('keeps everything when it fits', () => {
      const markdown = renderMarkdown(big(20, 50), CONTEXT);
      expect(markdown.length).toBeLessThan(MARKDOWN_LIMIT);
      expect(markdown).not.toMatch(/Shortened|Left out|left out/);
    });

    it('drops evidence details first, saying so, and keeps the table and the fine list', () => {
      const markdown = renderMarkdown(big(120, 300), CONTEXT);
      expect(markdown.length).toBeLessThan(MARKDOWN_LIMIT);
      const kept = (markdown.match(/<details><summary>blocker-/g) ?? []).length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(120);
      expect(markdown).toContain(`> **Shortened** to stay under GitHub's limit of 65,536 characters; left out: the evidence of ${120 - kept} packages in the table.`);
      expect(markdown).toContain(`*Left out: the evidence of ${120 - kept} packages, to stay under`);
      expect(tables(markdown)[0]!.length).toBe(2 + 120);
      expect(markdown).toContain('<details><summary>Fine on every target (300)</summary>');
      expect(markdown).toContain('fine-0299 1.0');
      expectBalancedDetails(markdown);
    });

    it('on 5,000 packages drops the details, then fine packages, then rows, with a note for each', () => {
      const r = big(2_500, 2_500);
      expect(new Set(r.findings.map((f) => f.name)).size).toBe(5_000);
      const started = performance.now();
      const markdown = renderMarkdown(r, CONTEXT);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(markdown.length).toBeLessThan(MARKDOWN_LIMIT);
      expect(markdown.length).toBeGreaterThan(MARKDOWN_LIMIT * 0.9);

      // The answer is still there, first.
      expect(markdown).toContain(escapeInline(bottomLine(r)[0]!.sentence));
      expect(markdown).toContain('**2,500 blockers**; 2,500 packages fine on every target.');

      // No evidence, no fine list, and some rows; each loss noted, at the top and in place.
      expect(markdown).not.toContain('<details><summary>blocker-');
      expect(markdown).not.toContain('fine-0000');
      const [table] = expectWellFormedTables(markdown);
      const rows = table!.length - 2;
      expect(rows).toBeGreaterThan(100);
      expect(rows).toBeLessThan(2_500);
      const left = (2_500 - rows).toLocaleString('en-US');
      expect(markdown).toContain(
        `> **Shortened** to stay under GitHub's limit of 65,536 characters; left out: the evidence of 2,500 packages in the table; the list of 2,500 fine packages; ${left} rows of the table (the least severe).`,
      );
      expect(markdown).toContain(`*Left out: ${left} more rows (the least severe), to stay under GitHub's limit of 65,536 characters.*`);
      expect(markdown).toContain('*Left out: the list of 2,500 packages fine on every target, to stay under');
      // Rows kept are the first ones, and the table heading still counts them all.
      expect(cells(table![2]!)[0]).toBe('blocker-0000');
      expect(markdown).toContain('### Blockers, warnings and packages not checked (2,500)');
      expectBalancedDetails(markdown);
    });

    it('keeps part of the fine list when the whole does not fit', () => {
      const markdown = renderMarkdown(big(5, 5_000), CONTEXT);
      expect(markdown.length).toBeLessThan(MARKDOWN_LIMIT);
      expect(tables(markdown)[0]!.length).toBe(2 + 5);
      expect(markdown).toContain('fine-0000 1.0');
      expect(markdown).toMatch(/left out: the evidence of 5 packages in the table; [\d,]+ fine packages from their list\./);
      expect(markdown).toMatch(/\*and [\d,]+ more packages, left out to stay under/);
    });

    it('cuts long texts from the index inside a cell', () => {
      const long = finding('wordy', PP73, broken({ suggestion: `Replace ${'with something else '.repeat(2_000)}` }));
      const markdown = renderMarkdown(result([PP73], [long]), CONTEXT);
      const fix = cells(tables(markdown)[0]![2]!)[3]!;
      expect(fix.length).toBeLessThan(400);
      expect(fix.endsWith('…')).toBe(true);
    });
  });

  describe('hostile names, versions and files', () => {
    const NAMES = ['a|b', '`x`', '@octocat', '</details><script>alert(1)</script>', 'line\nbreak', 'bidi\u202eevil', '| --- |', '<details><summary>x'];
    const hostile = (project = '.'): Finding[] =>
      NAMES.flatMap((name, i) => [
        finding(name, PP73, broken({
          project,
          version: `1.0|${name}`,
          file: `${name}.tar.gz`,
          suggestion: `Replace with ${name} @octocat`,
          evidence: [`evidence ${name}`, 'see https://evil.example/`code`|x'],
          locations: [{ file: `req ${name}.txt`, line: i + 1, column: 1 }],
          via: i % 2 === 0 ? [] : [`via ${name}`],
        })),
        finding(`${name}-fine`, PP73, { project, version: `2.0 ${name}` }),
      ]);
    const r = result([PP73, { ...PP80 }], hostile(), {
      projects: ['.'],
      errors: [{ kind: 'manifest', severity: 'error', message: 'bad line: </details><script>x</script> @octocat `y`', file: 'req\n@octocat.txt', line: 2 }],
    });
    const markdown = renderMarkdown(r, CONTEXT);

    it('keeps every row of the table on one line with its cells', () => {
      const [table, ...others] = expectWellFormedTables(markdown);
      expect(others).toEqual([]);
      expect(table).toHaveLength(2 + NAMES.length);
      for (const row of table!.slice(2)) expect(cells(row)).toHaveLength(6);
      // The stranger's `|` is escaped in its cell, and the cell reads as the name.
      const names = table!.slice(2).map((row) => cells(row)[0]);
      expect(names).toContain('a\\|b');
      expect(names).toContain('line break');
    });

    it('opens and closes no tag of its own', () => {
      expectBalancedDetails(markdown);
      expect(markdown).not.toMatch(/<script/i);
      // Every `<` in the output starts one of the renderer's own tags.
      const tags = markdown.match(/<[^>]*>?/g) ?? [];
      for (const tag of tags) expect(tag).toMatch(/^<(\/?details|\/?summary|br)>$/);
      expect(markdown).toContain('&lt;/details&gt;&lt;script&gt;');
    });

    it('mentions nobody, opens no code span, and keeps no bidi control', () => {
      expect(markdown).not.toMatch(/@octocat/);
      expect(markdown).toContain('@&#8203;octocat');
      expect(markdown).not.toMatch(/(^|[^\\])`/m);
      expect(markdown).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    });

    it('starts no line with a workflow command when printed to a CI log', () => {
      const first = renderMarkdown(result([PP73], [finding('::add-mask::secret', PP73), finding('::error::x', PP73, broken())]), CONTEXT);
      expect(first).toContain('add-mask');
      expect(first.split('\n').filter((line) => line.trimStart().startsWith('::'))).toEqual([]);
    });

    it('shows every field that carries the payloads', () => {
      for (const marker of ['octocat', 'alert', 'evil', 'break', 'req ', 'via ', 'evidence ', 'bad line']) expect(markdown).toContain(marker);
    });

    it('stays well formed in a scan of several projects and when shortened', () => {
      const projects = result([PP73], [...hostile('api|`x`'), ...hostile('@octocat\n</details>')]);
      const several = renderMarkdown(projects, CONTEXT);
      const [perProject, packageTable] = expectWellFormedTables(several);
      for (const row of perProject!.slice(2)) expect(cells(row)).toHaveLength(5);
      for (const row of packageTable!.slice(2)) expect(cells(row)).toHaveLength(6);
      expectBalancedDetails(several);
      expect(several).not.toMatch(/@octocat|<script/);

      const many = result([PP73], Array.from({ length: 600 }, () => hostile()).flat().map((f, i) => ({ ...f, name: `${f.name}${i}` })));
      const shortened = renderMarkdown(many, CONTEXT);
      expect(shortened.length).toBeLessThan(MARKDOWN_LIMIT);
      expect(shortened).toContain('**Shortened**');
      expectWellFormedTables(shortened);
      expectBalancedDetails(shortened);
      expect(shortened).not.toMatch(/@octocat|<script/);
    });
  });
});

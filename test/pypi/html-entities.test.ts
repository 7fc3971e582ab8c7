/**
 * Character references against Python's `html.unescape`, which pip's `html.parser` applies to
 * attribute values: fixtures/html-entities/table.json is written by generate.py there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimpleHtml, unescapeHtml } from '../../src/pypi/simple-html.js';

interface Table {
  python: string;
  cases: Array<{ input: string; output?: string; error?: string }>;
  page: Array<Record<string, string | null>>;
}

const DIR = join(import.meta.dirname, '../../fixtures/html-entities');
const table = JSON.parse(readFileSync(join(DIR, 'table.json'), 'utf8')) as Table;
const decoded = table.cases.filter((c): c is { input: string; output: string } => c.output !== undefined);
const PAGE_URL = 'https://idx.example/simple/cafe/';

/** Escape for a failure message: the cases are full of control and invisible characters. */
const show = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);

describe('unescapeHtml against Python html.unescape', () => {
  it('has a table from CPython 3.11 covering names, prefixes and numbers', () => {
    expect(table.python).toMatch(/^3\.11\./);
    expect(table.cases.length).toBeGreaterThan(2000);
    for (const input of ['&notin;', '&notit;', '&copy2', '&eacute', '&amp', '&#x41;', '&#65', '&#0;', '&#x110000;', '&#128;', '&#xD800;', '&AMP;', '&foo;']) {
      expect(decoded.map((c) => c.input)).toContain(input);
    }
  });

  it('decodes every input as Python does', () => {
    const wrong = decoded.filter((c) => unescapeHtml(c.input) !== c.output);
    expect(wrong.map((c) => `${show(c.input)}: python ${show(c.output)}, ours ${show(unescapeHtml(c.input))}`)).toEqual([]);
  });

  it('gives the value where Python raises (more than 4300 decimal digits)', () => {
    const raised = table.cases.filter((c) => c.error !== undefined);
    expect(raised.map((c) => c.error)).toEqual(['ValueError', 'ValueError']);
    expect(raised.map((c) => unescapeHtml(c.input))).toEqual(['\ufffd', 'A']);
  });

  it('is what the page parser does to attribute values (each case as a data-yanked value)', () => {
    // Only values both parsers read whole: no quote of the kind around them.
    const usable = decoded.filter((c) => !c.input.includes('"'));
    const html = usable.map((c, i) => `<a href="f-${i}.tar.gz" data-yanked="${c.input}">f-${i}.tar.gz</a>\n`).join('');
    const page = parseSimpleHtml(html, PAGE_URL);
    expect(page.files).toHaveLength(usable.length);
    // The parser's own rule: an empty or blank reason means "yanked, no reason".
    const wrong = usable.filter((c, i) => page.files[i]!.yanked !== (c.output.trim() === '' ? true : c.output));
    expect(wrong.map((c) => show(c.input))).toEqual([]);
  });

  it('stays linear on long runs of references', () => {
    const started = Date.now();
    for (const piece of ['&amp;', '&', '&#65;', '&copy', '&#' + '9'.repeat(50), '&' + 'a'.repeat(40)]) {
      const text = piece.repeat(Math.ceil(1_000_000 / piece.length));
      expect(unescapeHtml(text).length).toBeGreaterThan(0);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('parseSimpleHtml, references in href, data-requires-python and data-yanked', () => {
  it('reads page.html with the attribute values Python html.parser gives pip', () => {
    const page = parseSimpleHtml(readFileSync(join(DIR, 'page.html'), 'utf8'), PAGE_URL);
    expect(page.name).toBe('café&co');
    expect(page.files).toHaveLength(table.page.length);
    table.page.forEach((attrs, i) => {
      const file = page.files[i]!;
      // The parser keeps the fragment's hash apart from the URL.
      const href = new URL(attrs['href']!, PAGE_URL);
      const fragment = /^#([a-z0-9]+)=([0-9a-f]+)$/.exec(href.hash);
      href.hash = '';
      expect(file.url).toBe(href.href);
      expect(file.hashes).toEqual(fragment ? { [fragment[1]!]: fragment[2]! } : {});
      expect(file.requiresPython).toBe(attrs['data-requires-python']?.trim() ?? null);
      const reason = attrs['data-yanked'];
      expect(file.yanked).toBe(reason === undefined ? false : reason === null || reason.trim() === '' ? true : reason);
    });
    // The corners the page is there for, spelled out.
    expect(page.files[1]!.url).toBe('https://files.example/p/cafe-1.1.tar.gz?sig=x%C2%A9=2%C2%B6=3&lang=en');
    expect(page.files[0]!.hashes).toEqual({ sha256: 'abc' });
    expect(page.files[4]!.hashes).toEqual({ md5: '01' });
    expect(page.files[2]!.filename).toBe('cafe-1.2+local.tar.gz');
    expect(page.files[3]!.yanked).toBe('dropped, €uro ’quote’, ¬it; ©2 &');
  });
});

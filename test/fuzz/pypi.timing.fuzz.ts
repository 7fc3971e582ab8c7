/**
 * Time linear in the input for every src/pypi/ parser (issue 10), run by `npm run fuzz` only:
 * pages of 100 KB and 200 KB built from the same hostile pattern take at most ~3 times as long,
 * and a 5 MB page finishes in under 2 s.
 */
import { describe, it } from 'vitest';
import { parseCoreMetadata } from '../../src/pypi/metadata.js';
import { parsePypiJson } from '../../src/pypi/pypi-json.js';
import { parseSimpleHtml, unescapeHtml } from '../../src/pypi/simple-html.js';
import { parseSimpleJson } from '../../src/pypi/simple-json.js';
import { expectLinear, HOSTILE_PATTERNS, repeatTo, type LinearityCase } from './pep-support.js';
import { PAGE_URL } from './pypi-arbitraries.js';

const html = (text: string): unknown => parseSimpleHtml(text, PAGE_URL);
const json = (text: string): unknown => parseSimpleJson(text, PAGE_URL);
const salt = (s: number): string => '~'.repeat(s);

const PAGE_PATTERNS = [
  ...HOSTILE_PATTERNS,
  '<a>', '<a href=x>', '<a href="x-1.0.tar.gz">', '</a>', '<b', '<!', '<?', '<script>', '</script', '&amp;', '&#x', '&a', 'a="', "a='", '=a ', '<a <a ', '<br/>',
];

function cases(pattern: string): LinearityCase[] {
  const P = JSON.stringify(pattern);
  const run = (n: number): string => repeatTo(pattern, n);
  const link = '<a href="../../packages/demo-1.0.tar.gz">demo-1.0.tar.gz</a>\n';
  return [
    { label: `html page of ${P}`, build: (n, s) => `${link}${run(n)}${salt(s)}`, run: html },
    { label: `html link text ${P}`, build: (n, s) => `<a href="demo-1.0.tar.gz">${run(n)}${salt(s)}`, run: html },
    { label: `html link attribute ${P}`, build: (n, s) => `${link}<a href="demo-2.0.tar.gz" ${run(n)}${salt(s)}`, run: html },
    { label: `html href ${P}`, build: (n, s) => `${link}<a href="demo-2.0.tar.gz#${run(n)}${salt(s)}">x</a>`, run: html },
    { label: `html requires-python ${P}`, build: (n, s) => `${link}<a href="demo-2.0.tar.gz" data-requires-python='${run(n).replaceAll("'", '')}${salt(s)}'>x</a>`, run: html },
    { label: `unescapeHtml ${P}`, build: (n, s) => `${run(n)}${salt(s)}`, run: unescapeHtml },
    { label: `json string ${P}`, build: (n, s) => JSON.stringify({ meta: { 'api-version': '1.0' }, files: [{ filename: `${run(n)}${salt(s)}`, url: 'x-1.tar.gz' }] }), run: json },
    { label: `json text ${P}`, build: (n, s) => `{"files":[${run(n)}${salt(s)}`, run: json },
    { label: `pypi json ${P}`, build: (n, s) => JSON.stringify({ info: { name: 'a', version: '1', summary: `${run(n)}${salt(s)}`, project_urls: { [run(1000)]: run(n) } } }), run: parsePypiJson },
    { label: `metadata value ${P}`, build: (n, s) => `Name: a${run(n)}${salt(s)}b\nVersion: 1\n`, run: parseCoreMetadata },
    { label: `metadata lines ${P}`, build: (n, s) => `Name: a\n${run(n)}${salt(s)}b`, run: parseCoreMetadata },
  ];
}

describe('src/pypi/ parsers take time linear in the input', () => {
  for (const pattern of PAGE_PATTERNS) {
    it(`hostile pattern ${JSON.stringify(pattern)}`, () => {
      for (const c of cases(pattern)) expectLinear(c);
    });
  }

  it('many links, many files, deep nesting, many headers', () => {
    const shapes: LinearityCase[] = [
      { label: 'html: many good links', build: (n, s) => repeatTo(`<a href="d-1.${s}.tar.gz" data-requires-python="&gt;=3.8">d-1.tar.gz</a>\n`, n), run: html },
      { label: 'html: many unclosed links', build: (n, s) => repeatTo(`<a href="d-1.${s}.tar.gz">d`, n), run: html },
      { label: 'html: one unclosed comment', build: (n, s) => `<a href="x-1.0.tar.gz">x</a><!--${repeatTo('<a href="y-1.0.tar.gz">', n)}${salt(s)}`, run: html },
      { label: 'html: unclosed script', build: (n, s) => `<script>${repeatTo('<a href="y-1.0.tar.gz">', n)}${salt(s)}`, run: html },
      { label: 'json: many files', build: (n, s) => JSON.stringify({ files: Array(Math.ceil(n / 60)).fill({ filename: `a-1.${s}.tar.gz`, url: 'a-1.tar.gz', hashes: { sha256: 'ab' } }) }), run: json },
      { label: 'json: deep nesting', build: (n, s) => `{"files":[],"meta":${'['.repeat(n / 2)}${']'.repeat(n / 2)}${salt(s)}}`, run: json },
      { label: 'metadata: many Requires-Dist', build: (n, s) => `Name: a\n${repeatTo(`Requires-Dist: b${s}>=1\n`, n)}`, run: parseCoreMetadata },
      { label: 'metadata: long folded value', build: (n, s) => `Name: a\nDescription: x\n${repeatTo(`        line${s}\n`, n)}`, run: parseCoreMetadata },
    ];
    for (const c of shapes) expectLinear(c);
  });
});

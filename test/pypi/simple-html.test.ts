import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimpleHtml } from '../../src/pypi/simple-html.js';
import { SimpleParseError } from '../../src/pypi/simple-json.js';
import { hasRecorded, recordedDir } from '../support/index-server.js';

const PAGE = 'https://idx.example/simple/foo/';

describe('parseSimpleHtml', () => {
  it('reads attributes in any order, case and quoting, with entities', () => {
    const html = `<html><body>
      <A data-requires-python='&gt;=3.8' HREF=foo-1.0.tar.gz#SHA256=ABCDEF01>foo-1.0.tar.gz</A>
      <a data-requires-python="&#62;=3.9,&#x3C;4" href="foo-1.1-py3-none-any.whl">foo-1.1-py3-none-any.whl</a>
      <a href="foo-1.2.tar.gz" data-requires-python="&gt;=3.10&comma;!=3.10.1">x</a>
    </body></html>`;
    const page = parseSimpleHtml(html, PAGE);
    expect(page.files.map((f) => [f.filename, f.url, f.requiresPython])).toEqual([
      ['foo-1.0.tar.gz', 'https://idx.example/simple/foo/foo-1.0.tar.gz', '>=3.8'],
      ['foo-1.1-py3-none-any.whl', 'https://idx.example/simple/foo/foo-1.1-py3-none-any.whl', '>=3.9,<4'],
      ['foo-1.2.tar.gz', 'https://idx.example/simple/foo/foo-1.2.tar.gz', '>=3.10,!=3.10.1'],
    ]);
    expect(page.files[0]!.hashes).toEqual({ sha256: 'abcdef01' });
  });

  it('resolves relative links against <base href>, itself relative to the page', () => {
    const html = `<head><base href="../../packages/"></head><a href="ab/foo-1.0.tar.gz">foo-1.0.tar.gz</a>
      <a href="/abs/foo-2.0.tar.gz">foo-2.0.tar.gz</a><a href="https://cdn.example/foo-3.0.zip">foo-3.0.zip</a>`;
    const page = parseSimpleHtml(html, PAGE);
    expect(page.files.map((f) => f.url)).toEqual([
      'https://idx.example/packages/ab/foo-1.0.tar.gz',
      'https://idx.example/abs/foo-2.0.tar.gz',
      'https://cdn.example/foo-3.0.zip',
    ]);
  });

  it('reads data-yanked (empty = no reason), core metadata attributes and PEP 714 precedence', () => {
    const html = `
      <a href="a-1.tar.gz" data-yanked>a-1.tar.gz</a>
      <a href="a-2.tar.gz" data-yanked="">a-2.tar.gz</a>
      <a href="a-3.tar.gz" data-yanked="bad &amp; broken">a-3.tar.gz</a>
      <a href="a-4-py3-none-any.whl" data-dist-info-metadata="true">a-4-py3-none-any.whl</a>
      <a href="a-5-py3-none-any.whl" data-dist-info-metadata="sha256=00" data-core-metadata="sha256=AA11">w</a>
      <a href="a-6-py3-none-any.whl">w</a>`;
    const files = parseSimpleHtml(html, PAGE).files;
    expect(files.map((f) => f.yanked)).toEqual([true, true, 'bad & broken', false, false, false]);
    expect(files.map((f) => f.coreMetadata)).toEqual([false, false, false, true, { sha256: 'aa11' }, false]);
  });

  it('ignores links in comments and scripts, skips non-file links with a reason', () => {
    const html = `<!-- <a href="c-9.tar.gz">c</a> --><script>var s = '<a href="c-8.tar.gz">';</script>
      <a href="https://idx.example/">home</a><a name="top">anchor</a><a href="c-1.tar.gz">c-1.tar.gz</a>`;
    const page = parseSimpleHtml(html, PAGE);
    expect(page.files.map((f) => f.filename)).toEqual(['c-1.tar.gz']);
    expect(page.skipped).toHaveLength(2);
    expect(page.skipped.join('\n')).toMatch(/"home" is not a distribution file/);
    expect(page.skipped.join('\n')).toMatch(/"anchor" has no href/);
  });

  it('takes the filename from the link text only when the URL names no file', () => {
    const page = parseSimpleHtml('<a href="">\n  pkg-2.0.tar.gz\n</a>', PAGE);
    expect(page.files[0]!.filename).toBe('pkg-2.0.tar.gz');
  });

  it('rejects an unsupported repository version and a page with links but no files', () => {
    expect(() => parseSimpleHtml('<meta name="pypi:repository-version" content="2.0">', PAGE)).toThrow(/unsupported API version "2.0"/);
    expect(() => parseSimpleHtml('<a href="/about">about</a>', PAGE)).toThrow(SimpleParseError);
    // An empty project page is valid: a project whose files were all deleted.
    expect(parseSimpleHtml('<html><body></body></html>', PAGE).files).toEqual([]);
  });
});

const pypi = (file: string) => join(recordedDir, file);

describe.skipIf(!hasRecorded)('parseSimpleHtml on recorded pages (counts checked by hand)', () => {
  it('qypi_base.html: <base href> to files.pythonhosted.org, 4 files', () => {
    const page = parseSimpleHtml(readFileSync(pypi('jwodder__pypi-simple/test/data/qypi_base.html'), 'utf8'), 'https://pypi.org/simple/qypi/');
    expect(page.files).toHaveLength(4);
    expect(page.files[0]!.url).toBe(
      'https://files.pythonhosted.org/packages/82/fc/9e25534641d7f63be93079bc07fa92bab136ddf5d4181059a1308a346f96/qypi-0.1.0-py3-none-any.whl',
    );
    expect(page.files[0]!.requiresPython).toBe('~=3.4');
  });

  it('qypi_mixed.html: yanked with reason, empty and bare attribute', () => {
    const page = parseSimpleHtml(readFileSync(pypi('jwodder__pypi-simple/test/data/qypi_mixed.html'), 'utf8'), 'https://pypi.org/simple/qypi/');
    expect(page.files.map((f) => f.yanked)).toEqual(['Metadata was smelly', true, true, false, false]);
  });

  it('futures-partial-yank.html: unescaped requires-python', () => {
    const file = 'python-poetry__poetry/tests/repositories/fixtures/legacy/futures-partial-yank.html';
    const page = parseSimpleHtml(readFileSync(pypi(file), 'utf8'), 'https://pypi.org/simple/futures/');
    expect(page.files.map((f) => [f.requiresPython, f.yanked])).toEqual([
      ['>=2.6, <3', true],
      ['>=2.6, <3', false],
    ]);
  });

  it('snowflake-legacy: core metadata hashes and repository version 1.1', () => {
    const file = 'renovatebot__renovate/lib/modules/datasource/pypi/__fixtures__/versions-html-snowflake-legacy.html';
    const page = parseSimpleHtml(readFileSync(pypi(file), 'utf8'), 'https://pypi.org/simple/snowflake-legacy/');
    expect(page.apiVersion).toBe('1.1');
    expect(page.files[0]!.coreMetadata).toEqual({ sha256: '69da4682935afcaaa807279a8686996eb5bb735f854142bdc2fe2d05cbf074e1' });
    expect(page.files[0]!.requiresPython).toBe('<3.11,>=3.8');
    expect(page.files[1]!.coreMetadata).toBe(false);
  });

  it('multiline anchors (dependabot): 42 links, md5 fragments, ../../ links', () => {
    const file = 'dependabot__dependabot-core/python/spec/fixtures/pypi/pypi_simple_response_multiline.html';
    const page = parseSimpleHtml(readFileSync(pypi(file), 'utf8'), 'https://pypi.org/simple/luigi/');
    expect(page.files).toHaveLength(42);
    expect(page.files[0]!.filename).toBe('luigi-1.0.9.tar.gz');
    expect(page.files[0]!.hashes).toEqual({ md5: '024834d21a13276e84346fc000ff8cb4' });
    expect(page.files[0]!.url.startsWith('https://pypi.org/packages/01/75/')).toBe(true);
  });

  it('a devpi web page is rejected: 104 links, none to a file', () => {
    const file = 'dependabot__dependabot-core/python/spec/fixtures/pypi/pypi_simple_response_devpi.html';
    expect(() => parseSimpleHtml(readFileSync(pypi(file), 'utf8'), 'https://devpi.example/root/edge/luigi/')).toThrow(
      /none of the 104 link\(s\) points to a distribution file/,
    );
  });
});

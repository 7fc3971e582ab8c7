/**
 * Fixed regression tests for what the fuzzing of issue 10 found in src/pypi/ (test/fuzz/pypi*.ts):
 * one test per crash, slow case or lost entry, with the input shape that found it.
 */
import { describe, expect, it } from 'vitest';
import { MetadataParseError, parseCoreMetadata } from '../../src/pypi/metadata.js';
import { parsePypiJson, PypiJsonParseError } from '../../src/pypi/pypi-json.js';
import { parseSimpleHtml } from '../../src/pypi/simple-html.js';
import { parseSimpleJson, SimpleParseError } from '../../src/pypi/simple-json.js';

const PAGE = 'https://idx.example/simple/demo/';

function timed(fn: () => unknown): number {
  const start = performance.now();
  try {
    fn();
  } catch {
    // only the time matters here
  }
  return performance.now() - start;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('PEP 503 pages: link text in linear time', () => {
  it('a link followed by 200,000 "<" (tag stripping rescanned to the end from every "<": seconds)', () => {
    const html = `<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a><a href="demo-2.0.tar.gz">${'<'.repeat(200_000)}`;
    expect(timed(() => parseSimpleHtml(html, PAGE))).toBeLessThan(1000);
    expect(parseSimpleHtml(html, PAGE).files.map((f) => f.filename)).toEqual(['demo-1.0.tar.gz', 'demo-2.0.tar.gz']);
  });

  it('100,000 links without "</a>" (each searched to the end for its closing tag: 21 s at 80 KB)', () => {
    const html = '<a href="d-1.0.tar.gz">d</a>'.concat('<a>'.repeat(100_000));
    expect(timed(() => parseSimpleHtml(html, PAGE))).toBeLessThan(1000);
  });

  it('an unclosed link ends where the next one starts, so each keeps its own text', () => {
    // Before, the first link's text ran to the end of the page: "a-1.0.tar.gz b-1.0.tar.gz".
    const page = parseSimpleHtml('<a href="">a-1.0.tar.gz\n<a href="">b-1.0.tar.gz', PAGE);
    expect(page.files.map((f) => f.filename)).toEqual(['a-1.0.tar.gz', 'b-1.0.tar.gz']);
  });

  it('skipped-link reasons carry no C1 control (CSI) or bidirectional override from the page', () => {
    const page = parseSimpleHtml('<a href="x-1.0.tar.gz">x</a><a>\u009b31m\u202eevil</a>', PAGE);
    expect(page.skipped).toHaveLength(1);
    expect(page.skipped[0]).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(page.skipped[0]).toContain('\\u202e');
  });
});

describe('PEP 691 pages', () => {
  it('a JSON syntax error is reported on one line (JSON.parse quotes the text around it, line breaks included)', () => {
    const message = messageOf(() => parseSimpleJson('{"files":[\n\n\nx', PAGE));
    expect(message).toMatch(/^not valid JSON/);
    expect(message).not.toMatch(/[\n\r]/);
  });

  it('a skipped entry whose filename holds CSI (U+009B) or U+202E is reported without them', () => {
    const doc = { files: [{ filename: '\u009b\u009b\u202e', url: 42 }, { filename: 'a-1.0.tar.gz', url: 'a-1.0.tar.gz' }] };
    const page = parseSimpleJson(JSON.stringify(doc), PAGE);
    expect(page.files.map((f) => f.filename)).toEqual(['a-1.0.tar.gz']);
    expect(page.skipped[0]).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
  });
});

describe('PyPI JSON API documents', () => {
  it('a project URL labelled "__proto__" is kept (assignment to a plain object dropped it)', () => {
    const info = parsePypiJson('{"info":{"name":"a","version":"1","project_urls":{"__proto__":"https://x.example","Home":"https://y.example"}}}');
    expect(Object.entries(info.projectUrls)).toEqual([
      ['__proto__', 'https://x.example'],
      ['Home', 'https://y.example'],
    ]);
    expect(Object.getPrototypeOf(info.projectUrls)).toBe(Object.prototype);
  });

  it('a JSON syntax error is reported on one line', () => {
    const error = (() => {
      try {
        parsePypiJson('{\n"a"\n:\nundefined');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(PypiJsonParseError);
    expect(error!.message).not.toMatch(/[\n\r]/);
  });
});

describe('core metadata', () => {
  it('a value with a long run of spaces is unfolded in linear time (/\\s*\\n\\s*/ was quadratic: 2.5 s at 80 KB)', () => {
    const text = `Metadata-Version: 2.1\nName: a${' '.repeat(300_000)}b\nSummary: x${'\t'.repeat(300_000)}y\n`;
    expect(timed(() => parseCoreMetadata(text))).toBeLessThan(1000);
    expect(parseCoreMetadata(text).name).toBe(`a${' '.repeat(300_000)}b`);
  });

  it('folded values still read as one line', () => {
    const meta = parseCoreMetadata('Name: a\nSummary: first\r\n   second  \r\n\tthird\n\nbody');
    expect(meta.summary).toBe('first second third');
  });

  it('a field whose value holds U+2028, U+2029 or U+0085 is kept (they are not line breaks in an email header)', () => {
    const meta = parseCoreMetadata('Name: a\nSummary: one\u2028two\nProject-URL: Docs\u0085, https://d.example\nVersion: 1.0\n');
    expect(meta.summary).toBe('one\u2028two');
    expect(meta.projectUrls).toEqual({ 'Docs\u0085': 'https://d.example' });
    expect(meta.version).toBe('1.0');
  });

  it('a Project-URL labelled "__proto__" is kept', () => {
    const meta = parseCoreMetadata('Name: a\nProject-URL: __proto__, https://x.example\n');
    expect(Object.entries(meta.projectUrls)).toEqual([['__proto__', 'https://x.example']]);
  });

  it('still refuses text that is not metadata, with its typed error', () => {
    expect(() => parseCoreMetadata('hello\nworld')).toThrow(MetadataParseError);
    expect(() => parseSimpleJson('[]', PAGE)).toThrow(SimpleParseError);
  });
});

/**
 * Text from strangers into GitHub-flavoured Markdown: a table cell and a line of running text
 * render as exactly the characters given, mention nobody and stay on their line or row.
 */
import { describe, expect, it } from 'vitest';
import { escapeCell, escapeInline } from '../../src/report/markdown-escape.js';

describe('escapeCell', () => {
  it('keeps the pipe literal, so the row keeps its columns', () => {
    expect(escapeCell('a|b')).toBe('a\\|b');
    expect(escapeCell('a|b').split(/(?<!\\)\|/)).toHaveLength(1);
  });

  it('escapes backticks, so no code span opens or closes', () => {
    expect(escapeCell('`code`')).toBe('\\`code\\`');
  });

  it('turns HTML into text: no tag, no entity', () => {
    expect(escapeCell('<b>bold</b>')).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect(escapeCell('&amp;')).toBe('&amp;amp;');
    expect(escapeCell('<script>alert(1)</script>')).not.toMatch(/</);
  });

  it('mentions nobody', () => {
    expect(escapeCell('@user and @org/team')).toBe('@&#8203;user and @&#8203;org/team');
    expect(escapeCell('cc @octocat')).not.toMatch(/@[A-Za-z]/);
  });

  it('keeps the row on one line: line breaks become <br>, control characters go', () => {
    expect(escapeCell('one\ntwo\r\nthree')).toBe('one<br>two<br>three');
    expect(escapeCell('a\rb\u001b[2Jc\u202ed\u2028e\u0000f')).toBe('ab\\[2Jcdef');
    expect(escapeCell('x\n- y')).toBe('x<br>\\- y');
  });

  it('makes no link, image or emphasis', () => {
    expect(escapeCell('[click me](javascript:alert(1)) **bold** _it_ ~~del~~ ![i](x)')).toBe(
      '\\[click me\\]\\(javascript:alert\\(1\\)\\) \\*\\*bold\\*\\* \\_it\\_ \\~\\~del\\~\\~ \\!\\[i\\]\\(x\\)',
    );
    expect(escapeCell('back\\slash')).toBe('back\\\\slash');
  });

  it('leaves ordinary names and versions readable', () => {
    expect(escapeCell('psycopg2-binary')).toBe('psycopg2-binary');
    expect(escapeCell('2.9.10')).toBe('2.9.10');
    expect(escapeCell('requirements.txt:3')).toBe('requirements.txt:3');
  });
});

describe('escapeInline', () => {
  it('folds line breaks and tabs to one space', () => {
    expect(escapeInline('one\n::error::x\ttwo')).toBe('one ::error::x two');
  });

  it('keeps a line from starting a heading, list, quote or numbered list', () => {
    expect(escapeInline('# heading')).toBe('\\# heading');
    expect(escapeInline('- item')).toBe('\\- item');
    expect(escapeInline('+ item')).toBe('\\+ item');
    expect(escapeInline('> quote')).toBe('&gt; quote');
    expect(escapeInline('1. first')).toBe('1\\. first');
    expect(escapeInline('=====')).toBe('\\=====');
  });

  it('escapes as a cell does', () => {
    expect(escapeInline('`a` | <b> @me')).toBe('\\`a\\` \\| &lt;b&gt; @&#8203;me');
  });
});
